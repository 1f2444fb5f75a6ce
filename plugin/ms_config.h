/* ms_config.h placeholder */
