/* ms_plugin.h placeholder */
