/* ms_session.h placeholder */
