/* ms_config.h: read janus.plugin.multistream.jcfg (general + streams). */
#ifndef MS_CONFIG_H
#define MS_CONFIG_H

/* Fill ms_config and register every stream; bad entries are logged with
 * their name and skipped. Returns 0 (a missing file means defaults). */
int ms_config_load(const char *config_path);
void ms_config_free(void);

#endif
