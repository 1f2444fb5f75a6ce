/* placeholder */
void *create(void);
void *create(void) { return 0; }
