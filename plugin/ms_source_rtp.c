/* ms_source_rtp.c: placeholder */
