/* ms_config.h: the plugin's config files read with Janus's own reader, the
 * settings in force (ms_config, see ms_plugin.h), and the access-control
 * table (Janus side; the validation is pure: ms_validate.h). */
#ifndef MS_CONFIG_H
#define MS_CONFIG_H

#include "ms_validate.h"

/* Parse <config_path>/janus.plugin.multistream.jcfg and then each *.jcfg of
 * <config_path>/janus.plugin.multistream.d/ with janus_config_parse,
 * validate them and log every problem. A missing main file means defaults;
 * a folder file that cannot be parsed is skipped (logged with its name).
 * NULL when the main file exists but cannot be parsed (Janus logged the
 * line): the plugin must not start. */
ms_validated *ms_config_load(const char *config_path);
/* Clears ms_config and the access table. */
void ms_config_free(void);

/* Access control: a stream whose jcfg group has `secret` or `pin` needs that
 * value as the request's token, and so does every stream derived from it
 * (its variants, theirs, ...), which its own secret or pin also opens. */
void ms_config_protect(const char *stream, const char *secret, const char *pin);	/* NULLs: open */
gboolean ms_config_access_control(void);	/* any stream protected? */
gboolean ms_config_protected(const char *stream);	/* it or a parent has a secret/pin */
gboolean ms_config_authorized(const char *stream, const char *token);

#endif
