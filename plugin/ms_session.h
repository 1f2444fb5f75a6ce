/* ms_session.h: one multistream session per Janus handle: its slots, the
 * request handlers, and the media callbacks. */
#ifndef MS_SESSION_H
#define MS_SESSION_H

#include <glib.h>
#include <jansson.h>
#include "plugins/plugin.h"

typedef struct ms_session ms_session;

/* Everything sessions and their slots send out: the one seam to Janus,
 * handed down by the glue (janus_multistream.c) before any session exists.
 * event takes ownership of msg and jsep (transaction may be NULL for
 * unsolicited events); notify takes ownership of info (Janus event
 * handlers). */
typedef struct ms_session_io {
	void (*event)(janus_plugin_session *handle, const char *transaction, json_t *msg, json_t *jsep);
	void (*notify)(janus_plugin_session *handle, json_t *info);
	void (*relay_rtp)(janus_plugin_session *handle, janus_plugin_rtp *packet);
	void (*close_pc)(janus_plugin_session *handle);
} ms_session_io;

void ms_sessions_init(const ms_session_io *io);

ms_session *ms_session_new(janus_plugin_session *handle);
/* Drop the caller's reference. */
void ms_session_unref(ms_session *s);
void ms_session_ref(ms_session *s);
/* Handle one queued request (on the handler thread). Owns nothing. */
void ms_session_handle(ms_session *s, const char *transaction, json_t *body, json_t *jsep);
void ms_session_setup_media(ms_session *s);
void ms_session_incoming_rtcp(ms_session *s, int mindex, gboolean video, const char *buf, guint16 len);
/* PeerConnection gone (hangup_media): clean up, tell the client. */
void ms_session_hangup(ms_session *s);
/* Handle destroyed (detach / WebSocket loss): clean up silently. */
void ms_session_destroy(ms_session *s);
/* Periodic: RTCP watchdog and disconnect grace. */
void ms_session_tick(ms_session *s, gint64 now);
json_t *ms_session_query(ms_session *s);
/* Counters for the admin status. */
gboolean ms_session_has_slots(ms_session *s);
guint ms_session_bound_slots(ms_session *s);

#endif
