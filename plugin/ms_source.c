/* ms_source.c: placeholder */
