/* ms_plugin.h: what the Janus-facing modules share: the plugin descriptor,
 * the settings of the general section, and the module's log tag. Calls to
 * the Janus core stay in the glue (janus_multistream.c), which hands the
 * sessions their seam (ms_session_io, ms_session.h).
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
 * parent loops are rejected when the config is read.
 * A replay asked for by a request or RTCP is sent with the session mutex
 * alone (the slot mutex taken briefly per chunk, ms_relay.c). */
#ifndef MS_PLUGIN_H
#define MS_PLUGIN_H

#include <glib.h>
#include <jansson.h>
#include "plugins/plugin.h"
#include "debug.h"
#include "ms_validate.h"

#define MS_PACKAGE "janus.plugin.multistream"
#define MS_NAME "JANUS Multistream plugin"
#define MS_VERSION 1
#define MS_VERSION_STRING "0.1.0"
#define MS_TAG "[multistream] "

/* Settings from the general section: ms_settings (ms_validate.h). */

extern janus_plugin ms_plugin;
extern ms_settings ms_config;

#endif
