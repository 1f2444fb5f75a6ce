/* ms_session.c: placeholder */
