/* ms_source.h placeholder */
