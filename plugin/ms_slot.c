/* ms_slot.c: the slot status state machine as data.
 *
 * table[status][event] is the next status, or NO when the event is not
 * allowed in that status (the caller keeps the current status and logs).
 * The table is documented in docs/protocol.md ("Slot statuses"). */
#include "ms_slot.h"

#define NO MS_SLOT_STATUS_COUNT

static const char *status_names[MS_SLOT_STATUS_COUNT] = {
	[MS_SLOT_PENDING] = "pending",
	[MS_SLOT_ACTIVE] = "active",
	[MS_SLOT_BUFFERING] = "buffering",
	[MS_SLOT_PAUSED] = "paused",
	[MS_SLOT_OFFLINE] = "offline",
	[MS_SLOT_ERROR] = "error",
	[MS_SLOT_INACTIVE] = "inactive",
};

static const char *event_names[MS_SLOT_EVENT_COUNT] = {
	[MS_SLOT_EV_BIND] = "bind",
	[MS_SLOT_EV_NOT_FOUND] = "not_found",
	[MS_SLOT_EV_FLIP] = "flip",
	[MS_SLOT_EV_PAUSE] = "pause",
	[MS_SLOT_EV_SOURCE_DOWN] = "source_down",
	[MS_SLOT_EV_CODEC] = "codec",
	[MS_SLOT_EV_HIDE] = "hide",
};

/* Rows: current status. Columns, in order: BIND, NOT_FOUND, FLIP, PAUSE,
 * SOURCE_DOWN, CODEC, HIDE. Every entry that is not NO happens in the code. */
static const ms_slot_status table[MS_SLOT_STATUS_COUNT][MS_SLOT_EVENT_COUNT] = {
	/* created by init: its stream is bound at once (active: the picture
	 * starts from the GOP cache when media is up), or not found */
	[MS_SLOT_PENDING] = {
		MS_SLOT_ACTIVE, MS_SLOT_ERROR, NO, NO, NO, NO, NO },
	/* flowing: a switch rebinds (buffering until the new keyframe); the
	 * offer or the stream shows its codec cannot be sent (no transcode);
	 * an auto slot hidden stops */
	[MS_SLOT_ACTIVE] = {
		MS_SLOT_BUFFERING, NO, NO, MS_SLOT_PAUSED, MS_SLOT_OFFLINE, MS_SLOT_ERROR, MS_SLOT_INACTIVE },
	/* waiting for a keyframe; another switch keeps it waiting */
	[MS_SLOT_BUFFERING] = {
		MS_SLOT_BUFFERING, NO, MS_SLOT_ACTIVE, MS_SLOT_PAUSED, MS_SLOT_OFFLINE, MS_SLOT_ERROR, MS_SLOT_INACTIVE },
	/* unbound by the client; resume (or switch) rebinds */
	[MS_SLOT_PAUSED] = {
		MS_SLOT_BUFFERING, NO, NO, MS_SLOT_PAUSED, NO, NO, NO },
	/* source silent; back, its keyframe flips it active */
	[MS_SLOT_OFFLINE] = {
		MS_SLOT_BUFFERING, NO, MS_SLOT_ACTIVE, MS_SLOT_PAUSED, MS_SLOT_OFFLINE, MS_SLOT_ERROR, MS_SLOT_INACTIVE },
	/* stream not found at init, or its codec not sendable: a switch to a
	 * stream the slot can show recovers */
	[MS_SLOT_ERROR] = {
		MS_SLOT_BUFFERING, NO, NO, MS_SLOT_PAUSED, NO, NO, NO },
	/* an auto slot out of sight: visible again (or a switch) binds it and
	 * its picture starts from the GOP cache */
	[MS_SLOT_INACTIVE] = {
		MS_SLOT_BUFFERING, NO, NO, MS_SLOT_PAUSED, NO, NO, MS_SLOT_INACTIVE },
};

const char *ms_slot_status_name(ms_slot_status s)
{
	if((guint)s >= MS_SLOT_STATUS_COUNT)
		return "unknown";
	return status_names[s];
}

const char *ms_slot_event_name(ms_slot_event e)
{
	if((guint)e >= MS_SLOT_EVENT_COUNT)
		return "unknown";
	return event_names[e];
}

gboolean ms_slot_transition(ms_slot_status cur, ms_slot_event ev, ms_slot_status *next)
{
	ms_slot_status n = NO;
	if((guint)cur < MS_SLOT_STATUS_COUNT && (guint)ev < MS_SLOT_EVENT_COUNT)
		n = table[cur][ev];
	if(next != NULL)
		*next = (n == NO) ? cur : n;
	return n != NO;
}
