/* ms_config.h: read janus.plugin.multistream.jcfg (general + streams). */
#ifndef MS_CONFIG_H
#define MS_CONFIG_H

/* Fill ms_config and register every stream; bad entries are logged with
 * their name and skipped. Returns 0 (a missing file means defaults). */
int ms_config_load(const char *config_path);
void ms_config_free(void);

/* Access control: a stream whose jcfg group has `secret` or `pin` needs that
 * value as the request's token, and so does every stream derived from it
 * (its variants, theirs, ...), which its own secret or pin also opens. */
gboolean ms_config_access_control(void);	/* any stream protected? */
gboolean ms_config_protected(const char *stream);	/* it or a parent has a secret/pin */
gboolean ms_config_authorized(const char *stream, const char *token);

#endif
