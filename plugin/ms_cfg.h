/* ms_cfg.h: read and validate janus.plugin.multistream.jcfg (pure).
 *
 * The file is read with ms_jcfg, a tolerant reader of Janus's libconfig
 * syntax: libconfig (janus_config) rejects a whole file on its first error,
 * a duplicate name included, which would leave a camera wall with no cameras.
 * Here every problem costs only its own entry, and is reported with the
 * stream's name and line; everything else loads. */
#ifndef MS_CFG_H
#define MS_CFG_H

#include <glib.h>
#include "ms_spec.h"

/* The general section. */
typedef struct ms_settings {
	guint max_slots;		/* slots per PeerConnection (default 9) */
	guint disconnect_grace;		/* seconds a silent PeerConnection may recover (10) */
	guint rtcp_timeout;		/* seconds without RTCP before the grace starts (3) */
	guint source_linger;		/* seconds a source outlives its last consumer (5) */
	guint source_timeout;		/* seconds without packets before "offline" (2) */
	gsize gop_cache_bytes;		/* bound of each source's GOP cache (2 MB) */
	gint64 gop_cache_age;		/* oldest keyframe worth replaying, us (10 s) */
	char *ffmpeg;			/* ffmpeg binary */
	gboolean events;		/* notify Janus event handlers */
	char *admin_key;		/* required by admin requests when set */
	guint max_sessions;		/* multistream sessions per Janus (0: no cap) */
	guint max_requests_per_second;	/* per session (0: no cap) */
	guint heap_trim_interval;	/* seconds between returns of free heap to the OS (0: never) */
	guint setup_timeout;		/* seconds from init until media must be up (0: no limit) */
	guint auth_failures;		/* failed token checks per session before a lock (5) */
	guint auth_failures_global;	/* failed token checks per minute, plugin-wide, before a lock (20) */
	gboolean admin_locked;		/* admin_key set but unusable: refuse every admin request */
} ms_settings;

/* One usable stream of the streams section. */
typedef struct ms_cfg_stream {
	char *name;
	int line;
	ms_spec *spec;		/* parsed source */
	gboolean preload;
	char *secret;		/* access control, or NULL */
	char *pin;
} ms_cfg_stream;

typedef struct ms_cfg {
	ms_settings settings;
	GPtrArray *streams;	/* ms_cfg_stream*, in file order */
	GPtrArray *problems;	/* char*: "line N: stream 'x' skipped: ..." */
} ms_cfg;

/* Defaults of every setting (strings g_strdup'ed). */
void ms_settings_defaults(ms_settings *s);
void ms_settings_clear(ms_settings *s);
/* Read a config text; never NULL. Problems never stop the rest loading. */
ms_cfg *ms_cfg_read(const char *text, gsize len);
void ms_cfg_free(ms_cfg *cfg);

#endif
