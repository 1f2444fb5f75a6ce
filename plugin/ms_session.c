/* ms_session.c: one multistream session per Janus handle: the request
 * handlers (one table), slot binding, PeerConnection lifecycle and the
 * connection watchdog. The per-packet path is in ms_relay.c. */
#include <string.h>
#include "ms_session_priv.h"
#include "ms_rtp.h"
#include "ms_config.h"
#include "rtcp.h"
#include "utils.h"

/* A hangup with RTCP from the browser this recently is a PeerConnection
 * the browser closed ("closed"); with none, a lost one ("connection_lost"). */
#define MS_CLOSED_RTCP_WINDOW_US (2 * G_USEC_PER_SEC)

const ms_session_io *ms_io;

void ms_sessions_init(const ms_session_io *io)
{
	ms_io = io;
}

/* Multistream sessions (initialized or negotiated) on this Janus. */
static volatile gint active_sessions;

typedef ms_error (*request_handler)(ms_session *s, ms_request *req, const char *transaction,
	json_t *jsep, int *err_slot);

/* ---- lifetime ---- */

ms_session *ms_session_new(janus_plugin_session *handle)
{
	ms_session *s = g_new0(ms_session, 1);
	s->handle = handle;
	g_mutex_init(&s->mutex);
	g_mutex_init(&s->bwe_mutex);
	s->state = MS_SESSION_NEW;
	s->refs = 1;
	janus_refcount_increase(&handle->ref);
	return s;
}

void ms_session_ref(ms_session *s)
{
	g_atomic_int_inc(&s->refs);
}

void ms_session_unref(ms_session *s)
{
	if(!g_atomic_int_dec_and_test(&s->refs))
		return;
	g_mutex_clear(&s->mutex);
	g_mutex_clear(&s->bwe_mutex);
	janus_refcount_decrease(&s->handle->ref);
	g_free(s);
}

/* The consumer that keeps an auto slot's neighbour candidates running: it
 * takes nothing (the source's GOP cache is what a flip replays). */
static void warm_rtp(ms_consumer *c, ms_source *src, const ms_packet *pkt, gint64 now)
{
	(void)c; (void)src; (void)pkt; (void)now;
}

static void warm_state(ms_consumer *c, ms_source *src, ms_source_state state)
{
	(void)c; (void)src; (void)state;
}

static const ms_consumer_ops warm_ops = { warm_rtp, warm_state };

static ms_slot *slot_new(ms_session *s, int index)
{
	ms_slot *slot = g_new0(ms_slot, 1);
	slot->session = s;
	slot->index = index;
	slot->consumer.ops = &ms_relay_ops;
	slot->consumer.ctx = slot;
	slot->warm.ops = &warm_ops;
	slot->warm.ctx = slot;
	g_mutex_init(&slot->mutex);
	slot->mindex = -1;
	slot->pt_h264 = slot->pt_h265 = -1;
	slot->status = MS_SLOT_PENDING;
	return slot;
}

/* Detach a slot from every source; slot mutex NOT held (source first).
 * Scans every source, not only bound/next: after any sequence of flips the
 * slot is registered nowhere once this returns, so it may be freed. */
static void slot_unbind(ms_slot *slot)
{
	g_mutex_lock(&slot->mutex);
	ms_switch_clear(&slot->sw);
	g_mutex_unlock(&slot->mutex);
	ms_sources_unbind_consumer(&slot->consumer, NULL, NULL);
	ms_sources_unbind_consumer(&slot->warm, NULL, NULL);
	slot->warm_src[0] = slot->warm_src[1] = NULL;
}

static void slot_free(ms_slot *slot)
{
	g_free(slot->error);
	if(slot->replay != NULL)
		g_byte_array_unref(slot->replay);
	if(slot->backlog != NULL)
		g_byte_array_unref(slot->backlog);
	g_mutex_clear(&slot->mutex);
	g_free(slot);
}

/* Unbind and free every slot; the session ends (CLOSED). Session mutex held. */
static void cleanup_locked(ms_session *s)
{
	g_clear_pointer(&s->audio, ms_audio_free);
	g_clear_pointer(&s->auto_slots, g_free);
	for(guint i = 0; i < s->n_slots; i++)
		slot_unbind(s->slots[i]);
	for(guint i = 0; i < s->n_slots; i++)
		slot_free(s->slots[i]);
	g_free(s->slots);
	s->slots = NULL;
	s->n_slots = 0;
	s->grace_since = 0;
	s->setup_since = 0;
	if(s->state == MS_SESSION_INITIALIZED || s->state == MS_SESSION_NEGOTIATED)
		g_atomic_int_add(&active_sessions, -1);
	if(s->state != MS_SESSION_NEW)
		s->state = MS_SESSION_CLOSED;
}

/* ---- token checks ---- */

/* Plugin-wide failures (ms_guard.h); refused-while-locked counts for logs. */
static ms_guard global_guard;
static guint refused_unchecked;
static GMutex guard_mutex;

static const char *request_token(ms_session *s, ms_request *req)
{
	return req->has_token ? req->token : s->token;
}

static gboolean proven(ms_session *s, const char *token)
{
	gboolean hit = FALSE;
	for(guint i = 0; token != NULL && *token && i < MIN(s->n_proven, MS_PROVEN_TOKENS); i++)
		hit |= ms_secret_equal(s->proven[i], token);
	return hit;
}

static void remember_proven(ms_session *s, const char *token)
{
	if(token == NULL || *token == '\0' || proven(s, token))
		return;
	g_strlcpy(s->proven[s->n_proven % MS_PROVEN_TOKENS], token, MS_NAME_MAX);
	s->n_proven++;
}

/* May this session test a token now? Not while its own lock or the
 * plugin-wide one holds, unless the token was already accepted here. */
static gboolean may_check(ms_session *s, const char *token, gint64 now)
{
	if(proven(s, token))
		return TRUE;
	g_mutex_lock(&guard_mutex);
	gboolean locked = ms_guard_locked(&s->guard, now) || ms_guard_locked(&global_guard, now);
	if(locked)
		refused_unchecked++;
	g_mutex_unlock(&guard_mutex);
	return !locked;
}

/* A failed check of token for what (a stream name, or "" for the stream
 * list): counted and logged once per distinct (what, token) in a row, so a
 * client repeating one mistake is not taken for a guesser. The token is
 * never logged. */
static void check_failed(ms_session *s, const char *what, const char *token, gint64 now)
{
	token = token ? token : "";
	if(strcmp(s->failed_name, what) == 0 && strcmp(s->failed_token, token) == 0)
		return;
	g_strlcpy(s->failed_name, what, sizeof(s->failed_name));
	g_strlcpy(s->failed_token, token, sizeof(s->failed_token));
	g_mutex_lock(&guard_mutex);
	gint64 lock = ms_guard_fail_session(&s->guard, ms_config.auth_failures, now);
	gint64 global = ms_guard_fail_global(&global_guard, ms_config.auth_failures_global, now);
	guint refused = refused_unchecked;
	refused_unchecked = 0;
	g_mutex_unlock(&guard_mutex);
	char *shown = g_strescape(*what ? what : "(stream list)", NULL);
	JANUS_LOG(LOG_WARN, MS_TAG "Unauthorized: stream '%s' (%s token; %u failure(s) in this session)\n",
		shown, *token ? "wrong" : "no", s->guard.failures);
	g_free(shown);
	if(lock > 0)
		JANUS_LOG(LOG_WARN, MS_TAG "Token checks of this session locked for %" G_GINT64_FORMAT " ms\n", lock / 1000);
	if(global > 0)
		JANUS_LOG(LOG_WARN, MS_TAG "Token checks locked plugin-wide for %" G_GINT64_FORMAT " ms after %u failures "
			"in a minute (%u refused unchecked since the last failure)\n", global / 1000,
			ms_config.auth_failures_global, refused);
}

static void check_passed(ms_session *s, const char *token)
{
	ms_guard_success(&s->guard);
	remember_proven(s, token);
	s->failed_name[0] = s->failed_token[0] = '\0';
}

/* Find a stream this session may watch. With access control on, an unknown
 * stream and a forbidden one get the same answer (487), count alike as a
 * failed check, and are refused alike while checks are locked, so nobody
 * can probe which names exist or which token is right. */
static ms_source *find_stream(ms_session *s, const char *name, const char *token, ms_error *err)
{
	ms_source *src = ms_sources_lookup(name);
	if(!ms_config_access_control()) {
		if(src == NULL)
			*err = MS_ERR_STREAM_NOT_FOUND;
		return src;
	}
	if(src != NULL && !ms_config_protected(name))
		return src;
	gint64 now = g_get_monotonic_time();
	*err = MS_ERR_UNAUTHORIZED;
	if(!may_check(s, token, now))
		return NULL;
	if(src == NULL || !ms_config_authorized(name, token)) {
		check_failed(s, name, token, now);
		return NULL;
	}
	check_passed(s, token);
	return src;
}

/* ---- binding ---- */

static void set_names(ms_slot *slot, const char *resolved, const char *quality)
{
	g_strlcpy(slot->stream, resolved, sizeof(slot->stream));
	g_strlcpy(slot->quality, quality ? quality : "", sizeof(slot->quality));
}

/* Make-before-break: src becomes the slot's next source (the engine says
 * whether it is already shown); the reply "buffering" goes out before any
 * flip can report "active". resolved NULL: the names stay (the slot moves
 * to a transcode of what it shows). */
static void bind_next(ms_slot *slot, ms_source *src, const char *resolved, const char *quality,
		json_t *request_id, const char *transaction, gboolean live)
{
	gboolean now = FALSE;
	ms_source_add_consumer(src, &slot->consumer);
	g_mutex_lock(&slot->mutex);
	gboolean flowing = slot->status == MS_SLOT_ACTIVE || slot->status == MS_SLOT_BUFFERING;
	ms_source *dropped = (ms_source *)ms_switch_bind(&slot->sw, src, flowing, &now);
	slot->next_live = live && !now;
	slot->live_at = g_get_monotonic_time();
	if(resolved != NULL)
		set_names(slot, resolved, quality);
	ms_relay_set_status(slot, MS_SLOT_EV_BIND, request_id, transaction, NULL);
	if(now)
		ms_relay_set_status(slot, MS_SLOT_EV_FLIP, NULL, NULL, NULL);
	g_mutex_unlock(&slot->mutex);
	if(dropped != NULL)
		ms_source_remove_consumer(dropped, &slot->consumer);
	if(now)
		return;
	ms_relay_try_now(slot, src);
	if(ms_source_get_state(src) == MS_SRC_OFFLINE) {
		g_mutex_lock(&slot->mutex);
		if(slot->sw.next == src)
			ms_relay_set_status(slot, MS_SLOT_EV_SOURCE_DOWN, NULL, NULL, NULL);
		g_mutex_unlock(&slot->mutex);
	}
	ms_source_request_keyframe(src);
}

/* What the slot shows for src: src, or its H264 transcode when the slot's
 * m-line did not negotiate the codec src sends; NULL when there is none
 * (h265_transcode = false). A codec or an m-line not known yet is checked
 * once known (fix_codec). */
static ms_source *sendable(ms_slot *slot, ms_source *src)
{
	g_mutex_lock(&slot->mutex);
	int pt = ms_slot_pt(slot, ms_source_codec(src));
	g_mutex_unlock(&slot->mutex);
	return pt != -1 ? src : ms_source_transcode(src);
}

/* The slot's source sends a codec its m-line lacks (found at the offer, or
 * from the stream): show its transcode instead, or report the slot in
 * error. Session mutex held. */
static void fix_codec(ms_slot *slot, ms_source *src)
{
	ms_source *t = ms_source_transcode(src);
	JANUS_LOG(LOG_INFO, MS_TAG "Slot %d: %s sends %s, which its m-line lacks: %s\n", slot->index,
		ms_source_name(src), ms_source_codec_name(src), t != NULL ? "transcoding" : "error");
	if(t != NULL) {
		bind_next(slot, t, NULL, NULL, NULL, NULL, FALSE);
		return;
	}
	slot_unbind(slot);
	g_mutex_lock(&slot->mutex);
	ms_relay_set_status(slot, MS_SLOT_EV_CODEC, NULL, NULL, ms_error_string(MS_ERR_CODEC_NOT_SUPPORTED));
	g_mutex_unlock(&slot->mutex);
}

/* ---- quality "auto" (docs/protocol.md §15) ---- */

#define MS_AUTO_FAMILY_MAX MS_AUTO_MAX_CANDIDATES

/* An auto slot's candidates: stream (the native stream, height unknown)
 * and its variants of known height (ms_auto.h). */
static guint auto_candidates(ms_source *stream, ms_auto_candidate *cand)
{
	ms_source *fam[MS_AUTO_FAMILY_MAX];
	guint n = ms_sources_family(stream, fam, G_N_ELEMENTS(fam)), m = 0;
	for(guint i = 0; i < n; i++) {
		int h = ms_source_height(fam[i]);
		if(i > 0 && h <= 0)
			continue;
		cand[m++] = (ms_auto_candidate){ .stream = fam[i], .height = i == 0 ? 0 : (guint)h,
			.kbps = ms_source_kbps(fam[i]) };
	}
	return m;
}

/* The auto engine's view of a slot. An auto slot not hinted yet counts as
 * one pixel tall: its smallest variant, until the first hint says more. */
static void auto_slot_prepare(ms_slot *slot, ms_auto_slot *as)
{
	g_mutex_lock(&slot->mutex);
	gboolean is_auto = ms_slot_auto(slot);
	ms_source *stream = is_auto ? ms_sources_lookup(slot->stream) : NULL;
	ms_source *bound = (ms_source *)slot->sw.bound;
	gboolean hidden = slot->hinted && !slot->visible;
	guint height = slot->hinted ? slot->hint_h : 1;
	gboolean shown = slot->status == MS_SLOT_ACTIVE || slot->status == MS_SLOT_BUFFERING;
	g_mutex_unlock(&slot->mutex);
	if(stream == NULL) {
		/* Not auto: counted at what it shows, never changed */
		int h = bound != NULL ? ms_source_height(bound) : 0;
		ms_auto_slot_fixed(as, shown ? bound : NULL, h > 0 ? (guint)h : 0, bound != NULL ? ms_source_kbps(bound) : 0);
		return;
	}
	ms_auto_candidate cand[MS_AUTO_MAX_CANDIDATES];
	ms_auto_slot_set(as, cand, auto_candidates(stream, cand));
	as->hidden = hidden;
	as->height = height;
}

static const char *quality_of(ms_source *pick)
{
	const char *q = ms_source_quality(pick);
	return q != NULL ? q : "native";
}

/* A member of stream's family that is flowing now, the nearest in height to
 * pick (the native stream counts as the tallest), or NULL. */
static ms_source *auto_warm(ms_source *stream, ms_source *pick)
{
	ms_source *fam[MS_AUTO_FAMILY_MAX], *best = NULL;
	guint n = ms_sources_family(stream, fam, G_N_ELEMENTS(fam));
	int want = ms_source_height(pick) > 0 ? ms_source_height(pick) : G_MAXINT / 2, best_d = G_MAXINT;
	for(guint i = 0; i < n; i++) {
		if(ms_source_get_state(fam[i]) != MS_SRC_ACTIVE)
			continue;
		int h = ms_source_height(fam[i]) > 0 ? ms_source_height(fam[i]) : G_MAXINT / 2;
		int d = ABS(h - want);
		if(d < best_d) {
			best = fam[i];
			best_d = d;
		}
	}
	return best;
}

/* Show an auto slot's pick (bind it; NULL: leave the slot inactive; live:
 * from its next live keyframe, a bandwidth step up); a
 * request's reply when request_id is given. Session mutex held. */
static void auto_show(ms_slot *slot, ms_source *pick, gboolean live, json_t *request_id, const char *transaction)
{
	g_mutex_lock(&slot->mutex);
	ms_source *stream = ms_slot_auto(slot) ? ms_sources_lookup(slot->stream) : NULL;
	g_mutex_unlock(&slot->mutex);
	if(stream == NULL)
		return;
	if(pick == NULL) {
		g_mutex_lock(&slot->mutex);
		gboolean hidden = slot->status == MS_SLOT_INACTIVE;
		g_mutex_unlock(&slot->mutex);
		if(!hidden)
			slot_unbind(slot);
		g_mutex_lock(&slot->mutex);
		ms_relay_set_status(slot, MS_SLOT_EV_HIDE, request_id, transaction, NULL);
		g_mutex_unlock(&slot->mutex);
		return;
	}
	ms_source *shown = sendable(slot, pick);
	if(shown == NULL)
		shown = pick == stream ? NULL : sendable(slot, stream);
	if(shown == NULL) {
		/* Neither can be sent here (h265_transcode off): as it is */
		if(request_id != NULL) {
			g_mutex_lock(&slot->mutex);
			ms_relay_report_status(slot, request_id, transaction);
			g_mutex_unlock(&slot->mutex);
		}
		return;
	}
	g_mutex_lock(&slot->mutex);
	const void *cur = slot->sw.next != NULL ? slot->sw.next : slot->sw.bound;
	gboolean same = cur == shown && slot->status != MS_SLOT_INACTIVE && slot->status != MS_SLOT_PAUSED;
	gboolean empty = slot->sw.bound == NULL;
	g_mutex_unlock(&slot->mutex);
	ms_source *member = NULL, *warm = NULL;
	if(!same && empty && ms_source_get_state(pick) != MS_SRC_ACTIVE)
		member = auto_warm(stream, pick);
	if(member != NULL && (warm = sendable(slot, member)) != NULL && warm != shown) {
		/* Nothing on screen and the pick is cold: its camera at once from a
		 * flowing member of the family, the pick when its keyframe comes */
		g_mutex_lock(&slot->mutex);
		g_strlcpy(slot->actual, quality_of(member), sizeof(slot->actual));
		g_mutex_unlock(&slot->mutex);
		bind_next(slot, warm, NULL, NULL, NULL, NULL, FALSE);
	}
	if(!same) {
		g_mutex_lock(&slot->mutex);
		g_strlcpy(slot->actual, quality_of(pick), sizeof(slot->actual));
		g_mutex_unlock(&slot->mutex);
		bind_next(slot, shown, NULL, NULL, request_id, transaction, live);
	} else if(request_id != NULL) {
		/* Already showing its pick: the reply tells it as it is */
		g_mutex_lock(&slot->mutex);
		ms_relay_report_status(slot, request_id, transaction);
		g_mutex_unlock(&slot->mutex);
	}
}

/* Does an auto slot show something else than its pick (it just became
 * auto, or a bind it asked for was lost)? */
static gboolean auto_unshown(ms_slot *slot, const ms_auto_slot *as)
{
	const ms_auto_candidate *c = ms_auto_picked(as);
	g_mutex_lock(&slot->mutex);
	const void *cur = slot->sw.next != NULL ? slot->sw.next : slot->sw.bound;
	gboolean inactive = slot->status == MS_SLOT_INACTIVE;
	g_mutex_unlock(&slot->mutex);
	if(c == NULL)
		return !inactive;
	return cur == NULL || (cur != c->stream && cur != ms_source_transcode(c->stream));
}

/* Keep the candidates next to an auto slot's pick running (as sent to this
 * slot: an H265 one through its transcode where the m-line lacks H265)
 * while the slot shows it; as (NULL: not auto) as ms_auto_choose left it.
 * A shrink, an enlargement by one candidate or a bandwidth step then flips
 * from a running source's GOP cache instead of waiting for a cold start.
 * Session mutex held (never a slot mutex: sources start here). */
static void auto_keep_warm(ms_slot *slot, const ms_auto_slot *as)
{
	ms_source *want[2] = { NULL, NULL };
	if((as == NULL || !as->is_auto) && slot->warm_src[0] == NULL && slot->warm_src[1] == NULL)
		return;		/* nothing held, nothing to hold: the tick's common case */
	g_mutex_lock(&slot->mutex);
	gboolean shown = slot->status == MS_SLOT_ACTIVE || slot->status == MS_SLOT_BUFFERING;
	g_mutex_unlock(&slot->mutex);
	if(ms_config.auto_warm && shown && as != NULL && as->is_auto && as->pick >= 0) {
		if(as->pick > 0)
			want[0] = sendable(slot, (ms_source *)as->cand[as->pick - 1].stream);
		if((guint)as->pick + 1 < as->n_cand)
			want[1] = sendable(slot, (ms_source *)as->cand[as->pick + 1].stream);
	}
	for(int k = 0; k < 2; k++) {
		ms_source *had = slot->warm_src[k];
		if(had != NULL && had != want[0] && had != want[1])
			ms_source_remove_consumer(had, &slot->warm);
	}
	for(int k = 0; k < 2; k++) {
		if(want[k] != NULL && want[k] != slot->warm_src[0] && want[k] != slot->warm_src[1])
			ms_source_add_consumer(want[k], &slot->warm);
	}
	slot->warm_src[0] = want[0];
	slot->warm_src[1] = want[1] != want[0] ? want[1] : NULL;
}

/* Is a bandwidth step up of this viewer still in flight: waiting for its
 * live keyframe (for MS_AUTO_STEP_WAIT_US at most: a source that went
 * silent holds nothing back), or flipped less than MS_AUTO_STEP_SETTLE_US
 * ago (a receiver report's time)? Session mutex held. */
#define MS_AUTO_STEP_WAIT_US (4 * G_USEC_PER_SEC)
#define MS_AUTO_STEP_SETTLE_US (500 * 1000)
#define MS_AUTO_PROBE_FACTOR 4
/* A round of steps up to at most auto_probe_above percent of what the
 * slots carry (general key, 150 by default) needs no probe: it is its own
 * (the new variants' live keyframes, judged on loss; the engine's hold
 * and its doubling keep it from flapping). A bigger one is proven first.
 * Padding of several Mbit/s in packets of 267 bytes costs the server and
 * the browser more than the step it would prove; a step of half the wall
 * that the link does not carry costs a second of loss at most. */
static gboolean auto_step_in_flight(ms_session *s, gint64 now)
{
	gboolean in_flight = FALSE;
	for(guint i = 0; i < s->n_slots && !in_flight; i++) {
		ms_slot *slot = s->slots[i];
		g_mutex_lock(&slot->mutex);
		in_flight = (slot->next_live && now - slot->live_at < MS_AUTO_STEP_WAIT_US) ||
			(slot->live_flip > 0 && now - slot->live_flip < MS_AUTO_STEP_SETTLE_US);
		g_mutex_unlock(&slot->mutex);
	}
	return in_flight;
}

/* While auto slots are stepped down: probe the link with padding for the
 * next round of steps up (ms_probe.h), from what the slots carry to what
 * the round would reach (at most MS_AUTO_PROBE_FACTOR times it, at least
 * one step). Not within the wait after the last step (the hold after a
 * step down, MS_AUTO_UP_AGAIN_US after a step up), while a step up is in
 * flight, while the feedback still tells of a replay burst, or while the
 * report lag has stood over MS_PROBE_QUEUE_US for MS_PROBE_LAG_BUCKETS
 * seconds. Session mutex held; bwe too. */
static void auto_probe(ms_session *s, ms_bwe *bwe, gboolean in_flight, gint64 now)
{
	gint64 wait = s->autoq.wait > 0 ? s->autoq.wait : MS_AUTO_HOLD_US;
	if(in_flight || !ms_probe_can_start(&s->probe, now) || now - s->autoq.stepped_at < wait ||
			now < bwe->burst_until || ms_probe_path_lag(&s->probe, now) > MS_PROBE_QUEUE_US)
		return;		/* (a queue that stands for seconds: the link is full already) */
	/* Each failure in a row halves how far the next one reaches (down to
	 * one step): a link at its limit is not overrun by much */
	guint64 sum = ms_auto_sum_bps(s->auto_slots, s->n_slots);
	guint factor = MS_AUTO_PROBE_FACTOR >> MIN(s->probe.fails_in_row, 8);
	guint64 target = ms_auto_up_target(s->auto_slots, s->auto_slots + s->n_slots, s->n_slots,
		MAX(sum, 1) * MAX(factor, 1));
	if(target <= sum * ms_config.auto_probe_above / 100)
		return;		/* none needed */
	guint shares = 0;
	for(guint i = 0; i < s->n_slots; i++)
		shares += ms_auto_picked(&s->auto_slots[i]) != NULL;
	if(shares == 0)
		return;
	gboolean remb = bwe->remb > 0 && now - bwe->remb_at < MS_BWE_REMB_TTL_US;
	/* A tenth more: the variants' measured rates move a little meanwhile */
	ms_probe_start(&s->probe, sum, target + target / 10, remb ? bwe->remb : 0, now);
	ms_bwe_probing(bwe, now + s->probe.end_us + MS_PROBE_ECHO_US);
	g_atomic_int_set(&s->pad_shares, (gint)shares);
	JANUS_LOG(LOG_INFO, MS_TAG "Auto: probing %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " bps\n", sum,
		s->probe.target_bps);
}

/* Let the auto engine pick for every auto slot (size, visibility, the
 * viewer's bandwidth) and show what changed; reply_slot (a request's, or
 * -1) is answered even when it did not change. Session mutex held. */
static void auto_choose(ms_session *s, int reply_slot, json_t *request_id, const char *transaction)
{
	if(s->auto_slots == NULL)
		return;
	gint64 now = g_get_monotonic_time();
	for(guint i = 0; i < s->n_slots; i++)
		auto_slot_prepare(s->slots[i], &s->auto_slots[i]);
	/* A round of steps up for bandwidth reaches auto_probe_above percent
	 * of what the slots carry (the engine's hold applies), or what a padding probe just
	 * showed the link carries (at once); no estimate: nothing limits;
	 * none while the last step has not flipped and settled */
	ms_bwe *bwe = ms_session_bwe_lock(s, now);
	ms_probe_verdict verdict = ms_probe_poll(&s->probe, now);
	guint64 proven = ms_probe_proven_bps(&s->probe, now);
	if(verdict == MS_PROBE_PASSED)
		ms_bwe_proven(bwe, proven, now);
	else if(verdict == MS_PROBE_FAILED)
		ms_bwe_probing(bwe, now + MS_PROBE_ECHO_US);	/* its feedback is still coming */
	guint64 bps = ms_bwe_estimate(bwe, now);
	ms_session_bwe_unlock(s);
	if(verdict != MS_PROBE_NONE)
		JANUS_LOG(LOG_INFO, MS_TAG "Auto: probe to %" G_GUINT64_FORMAT " bps %s%s (report lag %" G_GINT64_FORMAT
			" ms over the path's %" G_GINT64_FORMAT " ms)\n", s->probe.target_bps,
			verdict == MS_PROBE_PASSED ? "passed" : "failed: ", verdict == MS_PROBE_PASSED ? "" : s->probe.why,
			s->probe.lag_over / 1000, ms_probe_path_lag(&s->probe, now) / 1000);
	guint64 sum = MAX(ms_auto_sum_bps(s->auto_slots, s->n_slots), 1);
	gboolean in_flight = bps > 0 && auto_step_in_flight(s, now);
	guint64 blind = sum * ms_config.auto_probe_above / 100;
	s->autoq.proven = bps > 0 && proven > blind && !in_flight;
	s->autoq.up_limit = bps == 0 ? 0 : in_flight ? sum : s->autoq.proven ? proven : blind;
	guint64 ups = s->autoq.ups, downs = s->autoq.downs;
	guint changed = ms_auto_choose(&s->autoq, s->auto_slots, s->n_slots, bps, now);
	bwe = ms_session_bwe_lock(s, now);
	if(changed > 0 && s->autoq.ups == ups)
		ms_probe_drop(&s->probe, now);		/* the wall changed under it (a step down, a resize) */
	if(bps > 0)
		auto_probe(s, bwe, in_flight, now);
	g_atomic_int_set(&s->pad_kbps, (gint)(ms_probe_padding_bps(&s->probe, now) / 1000));
	if(s->autoq.ups != ups || s->autoq.downs != downs) {
		guint64 send = ms_bwe_send_rate(bwe, now);
		double loss = ms_bwe_loss(bwe, now);
		JANUS_LOG(LOG_INFO, MS_TAG "Auto: bandwidth step %s (estimate %" G_GUINT64_FORMAT " bps, sending %"
			G_GUINT64_FORMAT " bps, loss %.2f)\n", s->autoq.ups != ups ? "up" : "down", bps, send, loss);
	}
	ms_session_bwe_unlock(s);
	for(guint i = 0; i < s->n_slots; i++) {
		ms_auto_slot *as = &s->auto_slots[i];
		if(!as->is_auto || (!as->changed && (int)i != reply_slot && !auto_unshown(s->slots[i], as)))
			continue;
		const ms_auto_candidate *c = ms_auto_picked(as);
		auto_show(s->slots[i], c != NULL ? (ms_source *)c->stream : NULL, as->stepped_up,
			(int)i == reply_slot ? request_id : NULL, (int)i == reply_slot ? transaction : NULL);
	}
	for(guint i = 0; i < s->n_slots; i++)
		auto_keep_warm(s->slots[i], &s->auto_slots[i]);
}

/* Look up a slot of the request; 483 for anything not in the init. */
static ms_slot *request_slot(ms_session *s, ms_request *req, int *err_slot)
{
	if(!req->slot_valid || req->slot < 0 || (guint)req->slot >= s->n_slots)
		return NULL;
	*err_slot = req->slot;
	return s->slots[req->slot];
}

/* ---- request handlers ---- */

static ms_error handle_init(ms_session *s, ms_request *req, const char *transaction, json_t *jsep, int *err_slot)
{
	if(ms_config.max_sessions > 0 && (guint)g_atomic_int_get(&active_sessions) >= ms_config.max_sessions) {
		g_snprintf(req->detail, sizeof(req->detail), "max_sessions (%u) reached", ms_config.max_sessions);
		return MS_ERR_INVALID_STATE;
	}
	if(ms_config_access_control()) {
		/* All or nothing: a forbidden slot fails the init, nothing changes */
		for(guint i = 0; i < req->n_slots; i++) {
			ms_error err = MS_OK;
			if(find_stream(s, req->slots[i].resolved, request_token(s, req), &err) == NULL) {
				*err_slot = req->slots[i].slot;
				return err;
			}
		}
	}
	cleanup_locked(s);
	g_strlcpy(s->token, req->has_token ? req->token : "", sizeof(s->token));
	s->slots = g_new0(ms_slot *, req->n_slots);
	s->n_slots = req->n_slots;
	for(guint i = 0; i < req->n_slots; i++) {
		ms_slot_request *sr = &req->slots[i];
		ms_slot *slot = slot_new(s, sr->slot);
		s->slots[i] = slot;
		set_names(slot, sr->resolved, sr->quality);
		g_strlcpy(slot->token, s->token, sizeof(slot->token));
		ms_source *src = ms_sources_lookup(sr->resolved);
		if(src == NULL) {
			/* Not fatal: the slot keeps its m-line and can be switched later */
			ms_slot_transition(slot->status, MS_SLOT_EV_NOT_FOUND, &slot->status);
			slot->error = g_strdup(ms_error_string(MS_ERR_STREAM_NOT_FOUND));
			continue;
		}
		if(ms_slot_auto(slot)) {
			/* No hint yet: its smallest variant, upgraded by the first hint */
			ms_auto_slot as = { 0 };
			ms_auto one = { 0 };
			auto_slot_prepare(slot, &as);
			ms_auto_choose(&one, &as, 1, 0, g_get_monotonic_time());
			if(ms_auto_picked(&as) != NULL)
				src = (ms_source *)ms_auto_picked(&as)->stream;
			g_strlcpy(slot->actual, quality_of(src), sizeof(slot->actual));
		}
		ms_source_add_consumer(src, &slot->consumer);
		ms_switch_bind_synced(&slot->sw, src);
		ms_slot_transition(slot->status, MS_SLOT_EV_BIND, &slot->status);
	}
	if(req->audio)
		s->audio = ms_audio_new(s);
	s->auto_slots = g_new0(ms_auto_slot, 2 * s->n_slots);	/* then room for ms_auto_up_target */
	memset(&s->autoq, 0, sizeof(s->autoq));
	s->state = MS_SESSION_INITIALIZED;
	/* A new init on a live PeerConnection needs a new offer, not new media */
	s->setup_since = g_atomic_int_get(&s->media_up) ? 0 : g_get_monotonic_time();
	g_atomic_int_inc(&active_sessions);
	ms_io->event(s->handle, transaction, ms_msg_ready(req->request_id, s->n_slots), NULL);
	return MS_OK;
}

static ms_error handle_offer(ms_session *s, ms_request *req, const char *transaction, json_t *jsep, int *err_slot)
{
	const char *type = json_string_value(json_object_get(jsep, "type"));
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
	if(type == NULL || strcasecmp(type, "offer") != 0 || sdp == NULL) {
		g_strlcpy(req->detail, "jsep must be an offer with an sdp", sizeof(req->detail));
		return MS_ERR_INVALID_REQUEST;
	}
	ms_sdp_offer *offer = g_new0(ms_sdp_offer, 1);
	int *mindex = g_new0(int, s->n_slots);
	int *pt = g_new0(int, s->n_slots), *pt265 = g_new0(int, s->n_slots);
	ms_sdp_audio audio = { .mindex = -1 };
	ms_error err = ms_sdp_parse_offer(sdp, offer, req->detail, sizeof(req->detail));
	char *answer = NULL;
	if(err == MS_OK)
		answer = ms_sdp_build_answer(offer, s->n_slots, janus_random_uint64(), mindex, pt, pt265,
			s->audio != NULL ? &audio : NULL, &err, req->detail, sizeof(req->detail));
	if(err != MS_OK || answer == NULL) {
		err = (err == MS_OK) ? MS_ERR_INTERNAL : err;
		goto out;
	}
	for(guint i = 0; i < s->n_slots; i++) {
		ms_slot *slot = s->slots[i];
		g_mutex_lock(&slot->mutex);
		slot->mindex = mindex[i];
		slot->pt_h264 = pt[i];
		slot->pt_h265 = pt265[i];
		g_strlcpy(slot->mid, offer->m[mindex[i]].mid, sizeof(slot->mid));
		ms_rewrite_init(&slot->rw, g_random_int(), (guint8)pt[i]);
		ms_source *bound = (ms_source *)slot->sw.bound;
		g_mutex_unlock(&slot->mutex);
		/* The m-line's codecs are known now: a stream it cannot take moves
		 * to its transcode (or the slot to error) before the answer */
		if(bound != NULL && sendable(slot, bound) != bound)
			fix_codec(slot, bound);
	}
	if(s->audio != NULL)
		ms_audio_negotiated(s->audio, &audio);
	json_t *slots = json_array();
	for(guint i = 0; i < s->n_slots; i++) {
		ms_slot *slot = s->slots[i];
		g_mutex_lock(&slot->mutex);
		json_t *e = ms_msg_answer_slot(slot->index, slot->stream, slot->status, slot->error, slot->mid);
		if(ms_slot_auto(slot)) {
			json_object_set_new(e, "quality", json_string(slot->quality));
			json_object_set_new(e, "actualQuality", json_string(slot->actual));
		}
		json_array_append_new(slots, e);
		g_mutex_unlock(&slot->mutex);
	}
	s->state = MS_SESSION_NEGOTIATED;
	json_t *answer_jsep = json_pack("{ssss}", "type", "answer", "sdp", answer);
	ms_io->event(s->handle, transaction, ms_msg_answer(req->request_id, answer, slots), answer_jsep);
	if(s->audio != NULL)
		ms_audio_follow(s->audio, NULL, NULL);	/* G.711 may be heard as it is now */
out:
	g_free(answer);
	g_free(pt);
	g_free(pt265);
	g_free(mindex);
	g_free(offer);
	return err;
}

/* The audio follows the slot heard: its stream changed, or it paused. */
static void follow_audio(ms_slot *slot)
{
	ms_session *s = slot->session;
	if(s->audio != NULL && ms_audio_follows(s->audio, slot->index))
		ms_audio_follow(s->audio, NULL, NULL);
}

/* Point a slot at req->resolved (switch and resume), as allowed by token. */
static ms_error switch_to(ms_slot *slot, ms_request *req, const char *token, const char *transaction)
{
	ms_error err = MS_OK;
	ms_source *src = find_stream(slot->session, req->resolved, token, &err);
	if(src == NULL)
		return err;
	ms_source *shown = sendable(slot, src);
	if(shown == NULL) {
		g_snprintf(req->detail, sizeof(req->detail), "%s sends %s, which slot %d did not negotiate "
			"(and h265_transcode is off)", req->resolved, ms_source_codec_name(src), slot->index);
		return MS_ERR_CODEC_NOT_SUPPORTED;
	}
	g_mutex_lock(&slot->mutex);
	g_strlcpy(slot->token, token, sizeof(slot->token));
	gboolean is_auto = strcmp(req->quality, MS_QUALITY_AUTO) == 0;
	if(is_auto)
		set_names(slot, req->resolved, req->quality);
	g_mutex_unlock(&slot->mutex);
	if(is_auto)
		auto_choose(slot->session, slot->index, req->request_id, transaction);	/* the plugin picks, now and later */
	else
		bind_next(slot, shown, req->resolved, req->quality, req->request_id, transaction, FALSE);
	follow_audio(slot);
	return MS_OK;
}

static ms_error handle_switch(ms_session *s, ms_request *req, const char *transaction, json_t *jsep, int *err_slot)
{
	ms_slot *slot = request_slot(s, req, err_slot);
	if(slot == NULL)
		return MS_ERR_INVALID_SLOT;
	return switch_to(slot, req, request_token(s, req), transaction);
}

static ms_error handle_pause(ms_session *s, ms_request *req, const char *transaction, json_t *jsep, int *err_slot)
{
	ms_slot *slot = request_slot(s, req, err_slot);
	if(slot == NULL)
		return MS_ERR_INVALID_SLOT;
	ms_slot_status next;
	g_mutex_lock(&slot->mutex);
	gboolean ok = ms_slot_transition(slot->status, MS_SLOT_EV_PAUSE, &next);
	g_mutex_unlock(&slot->mutex);
	if(!ok) {
		g_snprintf(req->detail, sizeof(req->detail), "slot is %s", ms_slot_status_name(slot->status));
		return MS_ERR_INVALID_STATE;
	}
	slot_unbind(slot);
	g_mutex_lock(&slot->mutex);
	ms_relay_set_status(slot, MS_SLOT_EV_PAUSE, req->request_id, transaction, NULL);
	g_mutex_unlock(&slot->mutex);
	follow_audio(slot);
	return MS_OK;
}

static ms_error handle_resume(ms_session *s, ms_request *req, const char *transaction, json_t *jsep, int *err_slot)
{
	ms_slot *slot = request_slot(s, req, err_slot);
	if(slot == NULL)
		return MS_ERR_INVALID_SLOT;
	char token[MS_NAME_MAX];
	g_strlcpy(token, request_token(s, req), sizeof(token));
	if(!req->has_stream) {
		/* Resume what the slot showed before, with the token that allowed it
		 * (unless the request brings its own) */
		g_mutex_lock(&slot->mutex);
		g_strlcpy(req->resolved, slot->stream, sizeof(req->resolved));
		g_strlcpy(req->quality, slot->quality, sizeof(req->quality));
		if(!req->has_token)
			g_strlcpy(token, slot->token, sizeof(token));
		g_mutex_unlock(&slot->mutex);
	}
	return switch_to(slot, req, token, transaction);
}

/* The browser needs a keyframe on this slot (keyframe request, PLI, FIR,
 * media up): answered from the GOP cache, within the replay bounds. */
static void resync(ms_slot *slot, gint64 now)
{
	g_mutex_lock(&slot->mutex);
	ms_source *src = ms_switch_resync(&slot->sw, now) ? (ms_source *)slot->sw.bound : NULL;
	g_mutex_unlock(&slot->mutex);
	if(src != NULL) {
		ms_source_request_keyframe(src);
		ms_relay_try_now(slot, src);
	}
}

static ms_error handle_keyframe(ms_session *s, ms_request *req, const char *transaction, json_t *jsep, int *err_slot)
{
	if(req->slot_valid && req->slot == -1) {
		for(guint i = 0; i < s->n_slots; i++)
			resync(s->slots[i], g_get_monotonic_time());
	} else {
		ms_slot *slot = request_slot(s, req, err_slot);
		if(slot == NULL)
			return MS_ERR_INVALID_SLOT;
		resync(slot, g_get_monotonic_time());
	}
	ms_io->event(s->handle, transaction, ms_msg_keyframe(req->request_id, req->slot), NULL);
	return MS_OK;
}

static ms_error handle_close(ms_session *s, ms_request *req, const char *transaction, json_t *jsep, int *err_slot)
{
	cleanup_locked(s);
	ms_io->event(s->handle, transaction, ms_msg_close(req->request_id), NULL);
	if(g_atomic_int_get(&s->media_up))
		ms_io->close_pc(s->handle);
	return MS_OK;
}

/* Rendered sizes and visibility of slots: kept, and used by auto slots. */
static ms_error handle_hint(ms_session *s, ms_request *req, const char *transaction, json_t *jsep, int *err_slot)
{
	for(guint i = 0; i < req->n_hints; i++) {
		const ms_hint *h = &req->hints[i];
		if(!h->slot_valid || h->slot < 0 || (guint)h->slot >= s->n_slots) {
			*err_slot = h->slot_valid ? h->slot : -1;
			g_snprintf(req->detail, sizeof(req->detail), "slots[%u].slot is not a slot of the init", i);
			return MS_ERR_INVALID_SLOT;
		}
	}
	for(guint i = 0; i < req->n_hints; i++) {
		const ms_hint *h = &req->hints[i];
		ms_slot *slot = s->slots[h->slot];
		g_mutex_lock(&slot->mutex);
		slot->hinted = TRUE;
		slot->visible = h->visible;
		slot->hint_w = h->width;
		slot->hint_h = h->height;
		g_mutex_unlock(&slot->mutex);
	}
	auto_choose(s, -1, NULL, NULL);
	ms_io->event(s->handle, transaction, ms_msg_hint(req->request_id), NULL);
	return MS_OK;
}

/* Whose audio the audio m-line carries (docs/protocol.md §14). */
static ms_error handle_audio(ms_session *s, ms_request *req, const char *transaction, json_t *jsep, int *err_slot)
{
	if(s->audio == NULL) {
		g_strlcpy(req->detail, "the init did not ask for audio (audio: true)", sizeof(req->detail));
		return MS_ERR_INVALID_STATE;
	}
	if(!(req->slot_valid && req->slot == -1) && request_slot(s, req, err_slot) == NULL)
		return MS_ERR_INVALID_SLOT;
	ms_audio_set_focus(s->audio, req->slot);
	ms_audio_follow(s->audio, req->request_id, transaction);
	return MS_OK;
}

static ms_error handle_streams(ms_session *s, ms_request *req, const char *transaction, json_t *jsep, int *err_slot)
{
	/* Only what this client may watch: protected streams (and what derives
	 * from them) need the token, and no entry names a parent the token does
	 * not open. A token that opens nothing is a failed check; while checks
	 * are locked it is not tested (the list is the one without a token). */
	const char *token = request_token(s, req);
	gint64 now = g_get_monotonic_time();
	gboolean tested = *token && ms_config_access_control() && may_check(s, token, now);
	gboolean opened = FALSE;
	json_t *all = ms_sources_list(), *list = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(all, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *parent = json_string_value(json_object_get(e, "parent"));
		gboolean protected = ms_config_protected(name);
		if(protected && !(tested && ms_config_authorized(name, token)))
			continue;
		opened |= protected;
		if(parent != NULL && ms_config_protected(parent) && !(tested && ms_config_authorized(parent, token))) {
			json_object_del(e, "parent");
			json_object_del(e, "quality");
		}
		json_array_append(list, e);
	}
	json_decref(all);
	if(tested && opened)
		check_passed(s, token);
	else if(tested)
		check_failed(s, "", token, now);
	ms_io->event(s->handle, transaction, ms_msg_streams(req->request_id, list), NULL);
	return MS_OK;
}

/* One row per request type; validation rows live in ms_protocol.c. */
static const request_handler handlers[MS_REQ_COUNT] = {
	[MS_REQ_INIT] = handle_init,
	[MS_REQ_OFFER] = handle_offer,
	[MS_REQ_SWITCH] = handle_switch,
	[MS_REQ_PAUSE] = handle_pause,
	[MS_REQ_RESUME] = handle_resume,
	[MS_REQ_KEYFRAME] = handle_keyframe,
	[MS_REQ_CLOSE] = handle_close,
	[MS_REQ_STREAMS] = handle_streams,
	[MS_REQ_AUDIO] = handle_audio,
	[MS_REQ_HINT] = handle_hint,
};

/* Per-session request rate cap (one-second windows). Session mutex held. */
static gboolean rate_ok(ms_session *s, gint64 now)
{
	if(ms_config.max_requests_per_second == 0)
		return TRUE;
	if(now - s->rate_window >= G_USEC_PER_SEC) {
		s->rate_window = now;
		s->rate_count = 0;
	}
	return ++s->rate_count <= ms_config.max_requests_per_second;
}

void ms_session_handle(ms_session *s, const char *transaction, json_t *body, json_t *jsep)
{
	ms_request req;
	int err_slot = -1;
	g_mutex_lock(&s->mutex);
	ms_error err = ms_request_parse(body, jsep != NULL, ms_config.max_slots, &req);
	if(err == MS_OK && !rate_ok(s, g_get_monotonic_time())) {
		g_snprintf(req.detail, sizeof(req.detail), "more than %u requests per second",
			ms_config.max_requests_per_second);
		err = MS_ERR_INVALID_STATE;
	}
	if(err == MS_OK && g_atomic_int_get(&s->destroyed))
		err = MS_ERR_NO_SESSION;
	if(err == MS_OK)
		err = ms_request_allowed(req.type, s->state);
	if(err == MS_OK && handlers[req.type] != NULL)
		err = handlers[req.type](s, &req, transaction, jsep, &err_slot);
	if(err != MS_OK) {
		if(err_slot < 0 && req.slot_valid && (err == MS_ERR_INVALID_SLOT || err == MS_ERR_STREAM_NOT_FOUND))
			err_slot = req.slot;
		JANUS_LOG(LOG_VERB, MS_TAG "%s -> %d %s%s%s\n", ms_request_name(req.type), err, ms_error_string(err),
			req.detail[0] ? ": " : "", req.detail);
		ms_io->event(s->handle, transaction, ms_msg_error(req.request_id, err, err_slot,
			err_slot >= 0 || (req.slot_valid && err == MS_ERR_INVALID_SLOT), req.detail[0] ? req.detail : NULL), NULL);
	}
	g_mutex_unlock(&s->mutex);
	ms_request_clear(&req);
}

/* ---- media ---- */

void ms_session_setup_media(ms_session *s)
{
	g_mutex_lock(&s->mutex);
	s->last_rtcp = g_get_monotonic_time();
	s->grace_since = 0;
	s->setup_since = 0;
	ms_bwe_reset(ms_session_bwe_lock(s, 0));	/* a new PeerConnection: nothing known of it */
	memset(&s->probe, 0, sizeof(s->probe));
	g_atomic_int_set(&s->pad_kbps, 0);
	ms_session_bwe_unlock(s);
	g_atomic_int_set(&s->media_up, 1);
	for(guint i = 0; i < s->n_slots; i++)
		resync(s->slots[i], g_get_monotonic_time());
	g_mutex_unlock(&s->mutex);
}

/* A report's lag (ms_probe.h): how long before now the packet after the
 * one it names as the highest received of the slot of mindex went out.
 * That packet had not arrived when the browser wrote the report: the
 * path took at least this long (the packet named itself may have gone out
 * a frame's time before the report was written, this one cannot have).
 * The least of its blocks; -1: none known (nothing went out after it). */
static gint64 report_lag(ms_session *s, int mindex, const ms_rtcp_feedback *fb, gint64 now)
{
	gint64 lag = -1;
	g_mutex_lock(&s->mutex);
	for(guint i = 0; i < s->n_slots; i++) {
		ms_slot *slot = s->slots[i];
		if(slot->mindex != mindex)
			continue;
		for(guint k = 0; k < fb->n_highest; k++) {
			gint64 at = ms_slot_sent_at(slot, (guint16)(fb->highest[k] + 1));
			if(at >= 0 && at <= now && (lag < 0 || now - at < lag))
				lag = now - at;
		}
	}
	g_mutex_unlock(&s->mutex);
	return lag;
}

void ms_session_incoming_rtcp(ms_session *s, int mindex, gboolean video, const char *buf, guint16 len)
{
	gint64 now = g_get_monotonic_time();
	s->last_rtcp = now;
	/* What it says of the connection, for quality auto */
	ms_rtcp_feedback fb;
	if(ms_rtcp_read_feedback((const guint8 *)buf, len, &fb)) {
		gint64 lag = video && fb.n_highest > 0 ? report_lag(s, mindex, &fb, now) : -1;
		ms_bwe *bwe = ms_session_bwe_lock(s, now);
		ms_probe_lag(&s->probe, lag, now);
		guint64 cuts = bwe->cuts;
		if(fb.reports > 0)
			ms_bwe_reports(bwe, fb.reports, fb.loss_sum, now);
		if(fb.nacked > 0)
			ms_bwe_nacks(bwe, fb.nacked, now);
		if(fb.remb_bps > 0)
			ms_bwe_remb(bwe, fb.remb_bps, now);
		ms_probe_reports(&s->probe, fb.reports, fb.loss_sum, now);
		ms_probe_nacks(&s->probe, fb.nacked, now);
		ms_probe_remb(&s->probe, fb.remb_bps, now);
		if(s->probe.state != MS_PROBE_RUNNING)
			g_atomic_int_set(&s->pad_kbps, 0);	/* it failed: no more padding, now */
		if(bwe->cuts != cuts)
			JANUS_LOG(LOG_INFO, MS_TAG "Estimate cut to %" G_GUINT64_FORMAT " bps (sending %" G_GUINT64_FORMAT
				" bps, loss %.2f, REMB %" G_GUINT64_FORMAT ")\n", ms_bwe_estimate(bwe, now),
				ms_bwe_send_rate(bwe, now), ms_bwe_loss(bwe, now), bwe->remb);
		s->rtcp.reports += fb.reports;
		s->rtcp.loss_sum += fb.loss_sum;
		s->rtcp.loss_max = MAX(s->rtcp.loss_max, fb.loss_max);
		s->rtcp.nacked += fb.nacked;
		s->rtcp.remb += fb.remb;
		if(fb.remb_bps > 0)
			s->rtcp.remb_bps = fb.remb_bps;
		s->rtcp.transport_cc += fb.transport_cc;
		s->rtcp.pli_fir += fb.pli_fir;
		ms_session_bwe_unlock(s);
	}
	if(!video || (!janus_rtcp_has_pli((char *)buf, len) && !janus_rtcp_has_fir((char *)buf, len)))
		return;
	/* The browser's decoder lost its picture: restart it from the cache */
	g_mutex_lock(&s->mutex);
	for(guint i = 0; i < s->n_slots; i++) {
		if(s->slots[i]->mindex == mindex)
			resync(s->slots[i], now);
	}
	g_mutex_unlock(&s->mutex);
}

static void end_media(ms_session *s, const char *reason)
{
	gboolean had = (s->state == MS_SESSION_INITIALIZED || s->state == MS_SESSION_NEGOTIATED);
	cleanup_locked(s);
	if(had && reason != NULL)
		ms_io->event(s->handle, NULL, ms_msg_disconnected(reason, NULL), NULL);
}

void ms_session_hangup(ms_session *s)
{
	gint64 now = g_get_monotonic_time();
	g_mutex_lock(&s->mutex);
	g_atomic_int_set(&s->media_up, 0);
	/* RTCP until just now: the PeerConnection was closed, not lost */
	const char *reason = (now - s->last_rtcp < MS_CLOSED_RTCP_WINDOW_US) ? "closed" : "connection_lost";
	if(!g_atomic_int_get(&s->destroyed))
		end_media(s, reason);
	g_mutex_unlock(&s->mutex);
}

void ms_session_destroy(ms_session *s)
{
	g_mutex_lock(&s->mutex);
	g_atomic_int_set(&s->destroyed, 1);
	g_atomic_int_set(&s->media_up, 0);
	cleanup_locked(s);
	g_mutex_unlock(&s->mutex);
}

/* Unbind the sources flips left behind (not on the packet path, where a
 * second source mutex may not be taken). Session mutex held, so bound and
 * next can only move next -> bound meanwhile: both are kept. */
static void unbind_stale(ms_slot *slot)
{
	g_mutex_lock(&slot->mutex);
	gboolean stale = ms_switch_take_stale(&slot->sw);
	ms_source *bound = (ms_source *)slot->sw.bound, *next = (ms_source *)slot->sw.next;
	g_mutex_unlock(&slot->mutex);
	if(stale)
		ms_sources_unbind_consumer(&slot->consumer, bound, next);
}

static gboolean has_auto(ms_session *s)
{
	gboolean any = FALSE;
	for(guint i = 0; i < s->n_slots && !any; i++) {
		g_mutex_lock(&s->slots[i]->mutex);
		any = ms_slot_auto(s->slots[i]);
		g_mutex_unlock(&s->slots[i]->mutex);
	}
	return any;
}

/* A source the relay withheld because the slot's m-line lacks its codec
 * (known only once it sent): moved to its transcode. Not again while
 * another switch is pending. Session mutex held. */
static void check_codec(ms_slot *slot)
{
	g_mutex_lock(&slot->mutex);
	ms_source *wrong = slot->wrong_codec;
	slot->wrong_codec = NULL;
	gboolean fix = wrong != NULL && (wrong == slot->sw.next || (wrong == slot->sw.bound && slot->sw.next == NULL));
	g_mutex_unlock(&slot->mutex);
	if(fix)
		fix_codec(slot, wrong);
}

void ms_session_tick(ms_session *s, gint64 now)
{
	g_mutex_lock(&s->mutex);
	ms_session_bwe_lock(s, now);		/* what went out, in the bucket of its time */
	ms_session_bwe_unlock(s);
	for(guint i = 0; i < s->n_slots; i++) {
		check_codec(s->slots[i]);
		unbind_stale(s->slots[i]);
	}
	if(s->audio != NULL)
		ms_audio_follow(s->audio, NULL, NULL);	/* its camera's audio came or went */
	if(has_auto(s)) {
		auto_choose(s, -1, NULL, NULL);		/* the bandwidth changed, a step's hold ended */
	} else {
		for(guint i = 0; i < s->n_slots; i++)
			auto_keep_warm(s->slots[i], NULL);	/* no auto slot left: nothing kept warm */
		g_atomic_int_set(&s->pad_kbps, 0);
	}
	if(s->setup_since > 0 && ms_config.setup_timeout > 0 && !g_atomic_int_get(&s->destroyed) &&
			now - s->setup_since >= (gint64)ms_config.setup_timeout * G_USEC_PER_SEC) {
		/* init without media: give its sources and its place back */
		JANUS_LOG(LOG_WARN, MS_TAG "Media not up %us after init: cleaning up\n", ms_config.setup_timeout);
		cleanup_locked(s);
		ms_io->event(s->handle, NULL, ms_msg_disconnected("connection_lost", "setup_timeout"), NULL);
		ms_io->close_pc(s->handle);
	}
	if(g_atomic_int_get(&s->media_up) && s->state == MS_SESSION_NEGOTIATED) {
		gint64 silent = now - s->last_rtcp;
		if(silent < (gint64)ms_config.rtcp_timeout * G_USEC_PER_SEC) {
			if(s->grace_since != 0)
				JANUS_LOG(LOG_INFO, MS_TAG "PeerConnection recovered\n");
			s->grace_since = 0;
		} else if(s->grace_since == 0) {
			s->grace_since = now;
			JANUS_LOG(LOG_WARN, MS_TAG "No RTCP for %" G_GINT64_FORMAT " ms: grace period of %us\n",
				silent / 1000, ms_config.disconnect_grace);
		} else if(now - s->grace_since >= (gint64)ms_config.disconnect_grace * G_USEC_PER_SEC) {
			JANUS_LOG(LOG_WARN, MS_TAG "PeerConnection lost: cleaning up\n");
			g_atomic_int_set(&s->media_up, 0);
			end_media(s, "connection_lost");
			ms_io->close_pc(s->handle);
		}
	}
	g_mutex_unlock(&s->mutex);
}

/* ---- introspection ---- */

json_t *ms_session_query(ms_session *s)
{
	json_t *q = json_object();
	g_mutex_lock(&s->mutex);
	json_object_set_new(q, "state", json_string(ms_session_state_name(s->state)));
	json_object_set_new(q, "media", json_boolean(g_atomic_int_get(&s->media_up)));
	json_t *slots = json_array();
	for(guint i = 0; i < s->n_slots; i++) {
		ms_slot *slot = s->slots[i];
		g_mutex_lock(&slot->mutex);
		json_t *e = json_object();
		json_object_set_new(e, "slot", json_integer(slot->index));
		json_object_set_new(e, "stream", json_string(slot->stream));
		json_object_set_new(e, "status", json_string(ms_slot_status_name(slot->status)));
		if(slot->quality[0])
			json_object_set_new(e, "quality", json_string(slot->quality));
		if(ms_slot_auto(slot))
			json_object_set_new(e, "actualQuality", json_string(slot->actual));
		const ms_source *bound = slot->sw.bound, *next = slot->sw.next;
		json_object_set_new(e, "bound", bound ? json_string(ms_source_name(bound)) : json_null());
		json_object_set_new(e, "next", next ? json_string(ms_source_name(next)) : json_null());
		json_object_set_new(e, "mid", json_string(slot->mid));
		json_object_set_new(e, "packets", json_integer(slot->packets));
		json_object_set_new(e, "switches", json_integer(slot->sw.switches));
		json_object_set_new(e, "padding", json_integer(slot->padded));
		json_array_append_new(slots, e);
		g_mutex_unlock(&slot->mutex);
	}
	json_object_set_new(q, "slots", slots);
	/* What the viewer's RTCP said, and the bandwidth estimate made of it */
	gint64 now = g_get_monotonic_time();
	ms_bwe *bwe = ms_session_bwe_lock(s, now);
	json_object_set_new(q, "rtcp", json_pack("{sIsIsIsIsIsIsI}", "report_blocks", (json_int_t)s->rtcp.reports,
		"loss_max", (json_int_t)s->rtcp.loss_max, "nacked", (json_int_t)s->rtcp.nacked,
		"remb", (json_int_t)s->rtcp.remb, "remb_bps", (json_int_t)s->rtcp.remb_bps, "transport_cc", (json_int_t)s->rtcp.transport_cc,
		"pli_fir", (json_int_t)s->rtcp.pli_fir));
	json_object_set_new(q, "bwe", json_pack("{sIsIsfsIsI}", "estimate_bps", (json_int_t)ms_bwe_estimate(bwe, now),
		"send_bps", (json_int_t)ms_bwe_send_rate(bwe, now), "loss", ms_bwe_loss(bwe, now),
		"cuts", (json_int_t)bwe->cuts, "forgiven", (json_int_t)bwe->forgiven));
	json_object_set_new(q, "probes", json_pack("{sIsIsIsI}", "passed", (json_int_t)s->probe.passes,
		"failed", (json_int_t)s->probe.fails, "dropped", (json_int_t)s->probe.dropped,
		"padding_bps", (json_int_t)ms_probe_padding_bps(&s->probe, now)));
	ms_session_bwe_unlock(s);
	g_mutex_unlock(&s->mutex);
	return q;
}

gboolean ms_session_has_slots(ms_session *s)
{
	g_mutex_lock(&s->mutex);
	gboolean r = s->n_slots > 0;
	g_mutex_unlock(&s->mutex);
	return r;
}

guint ms_session_bound_slots(ms_session *s)
{
	guint n = 0;
	g_mutex_lock(&s->mutex);
	for(guint i = 0; i < s->n_slots; i++) {
		ms_slot *slot = s->slots[i];
		g_mutex_lock(&slot->mutex);
		if(slot->sw.bound != NULL || slot->sw.next != NULL)
			n++;
		g_mutex_unlock(&slot->mutex);
	}
	g_mutex_unlock(&s->mutex);
	return n;
}
