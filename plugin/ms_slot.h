/* ms_slot.h: the slot status state machine (pure, no Janus).
 *
 * Statuses are the protocol's (docs/protocol.md §8); events are what the
 * session observes.
 * The machine is data: a transition table in ms_slot.c. */
#ifndef MS_SLOT_H
#define MS_SLOT_H

#include <glib.h>

typedef enum ms_slot_status {
	MS_SLOT_PENDING = 0,	/* created by init, before init binds it (never reported) */
	MS_SLOT_ACTIVE,		/* bound, video flowing */
	MS_SLOT_BUFFERING,	/* switching, waiting for the new stream's keyframe */
	MS_SLOT_PAUSED,		/* paused by the client, unbound */
	MS_SLOT_OFFLINE,	/* bound source stopped delivering */
	MS_SLOT_ERROR,		/* e.g. stream not found */
	MS_SLOT_INACTIVE,	/* an "auto" slot not visible: sends nothing, unbound */
	MS_SLOT_STATUS_COUNT
} ms_slot_status;

typedef enum ms_slot_event {
	MS_SLOT_EV_BIND = 0,	/* init/switch/resume to an existing stream */
	MS_SLOT_EV_NOT_FOUND,	/* init named a stream that does not exist */
	MS_SLOT_EV_FLIP,	/* the stream's keyframe (or cached GOP) reached the slot */
	MS_SLOT_EV_PAUSE,	/* client paused the slot */
	MS_SLOT_EV_SOURCE_DOWN,	/* the source shown or awaited stopped delivering */
	MS_SLOT_EV_CODEC,	/* its m-line cannot take the stream's codec, and no transcode */
	MS_SLOT_EV_HIDE,	/* an "auto" slot was hinted not visible */
	MS_SLOT_EVENT_COUNT
} ms_slot_event;

/* Spec name of a status ("pending", "active", ...). */
const char *ms_slot_status_name(ms_slot_status s);
/* Name of an event, for logs. */
const char *ms_slot_event_name(ms_slot_event e);
/* Next status for (status, event); returns FALSE (and leaves *next as the
 * current status) when the event is not allowed in that status. */
gboolean ms_slot_transition(ms_slot_status cur, ms_slot_event ev, ms_slot_status *next);

#endif
