/* ms_plugin.h: what the Janus-facing modules share: the core callbacks,
 * the plugin descriptor, the settings of the general section, and the
 * module's log tag.
 *
 * Lock order (outermost first), written once here:
 *   ms_sessions lock (janus_multistream.c) -> ms_session.mutex
 *     -> ms_source.mutex -> ms_slot.mutex
 * A source's thread holds its source mutex while it delivers a packet and
 * takes each consumer slot's mutex inside it. Nobody takes a source mutex
 * while holding a slot mutex.
 * Two source mutexes nest only child before parent: starting an ffmpeg:
 * variant runs with the variant's mutex held and takes its parent's (the
 * variant becomes a consumer of the parent). Never parent before child: a
 * parent delivering to a variant (consumer callbacks, parent mutex held)
 * must not take the variant's mutex. Variant chains nest the same way;
 * parent loops are rejected at load (ms_source.c). */
#ifndef MS_PLUGIN_H
#define MS_PLUGIN_H

#include <glib.h>
#include <jansson.h>
#include "plugins/plugin.h"
#include "debug.h"
#include "ms_cfg.h"

#define MS_PACKAGE "janus.plugin.multistream"
#define MS_NAME "JANUS Multistream plugin"
#define MS_VERSION 1
#define MS_VERSION_STRING "0.1.0"
#define MS_TAG "[multistream] "

/* Settings from the general section: ms_settings (ms_cfg.h). */

extern janus_callbacks *ms_gateway;
extern janus_plugin ms_plugin;
extern ms_settings ms_config;

/* Send an event to the peer of a handle (transaction may be NULL for
 * unsolicited events); takes ownership of msg and jsep. */
void ms_push_event(janus_plugin_session *handle, const char *transaction, json_t *msg, json_t *jsep);
/* Notify Janus event handlers when enabled; takes ownership of info. */
void ms_notify(janus_plugin_session *handle, json_t *info);

#endif
