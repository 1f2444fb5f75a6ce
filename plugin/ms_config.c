/* ms_config.c: placeholder */
