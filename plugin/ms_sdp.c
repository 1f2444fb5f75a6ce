/* ms_sdp.c: read the viewer's offer, write the N-slot sendonly answer.
 *
 * The offer is read line by line (CRLF or LF). Per m-line we keep what the
 * answer needs: media, proto, first format, mid, direction, and the best
 * H264 and H265 payload types with their fmtp and rtcp-fb. Anything echoed into the
 * answer is checked to be printable first. Pure: GLib only. */
#include <string.h>
#include <stdlib.h>
#include "ms_sdp.h"

#define PT_MAX 128
#define FMTP_MAX 256

typedef enum direction {
	DIR_UNSET = -1,
	DIR_SENDRECV = 0,
	DIR_RECVONLY,
	DIR_SENDONLY,
	DIR_INACTIVE,
} direction;

static const char *dir_names[] = { "sendrecv", "recvonly", "sendonly", "inactive" };

/* The codecs we answer with, as named in a=rtpmap (encoding/clock). */
typedef enum fmt_kind {
	FMT_NONE = 0,
	FMT_H264,		/* H264/90000 */
	FMT_H265,		/* H265/90000 */
	FMT_OPUS,		/* opus/48000[/2] */
	FMT_PCMU,		/* PCMU/8000 */
	FMT_PCMA,		/* PCMA/8000 */
} fmt_kind;

static const struct {
	fmt_kind kind;
	const char *rtpmap;
} fmt_names[] = {
	{ FMT_H264, "H264/90000" }, { FMT_H265, "H265/90000" }, { FMT_OPUS, "opus/48000" },
	{ FMT_PCMU, "PCMU/8000" }, { FMT_PCMA, "PCMA/8000" },
};

/* What one payload type of the current m-line offers. */
typedef struct pt_info {
	gboolean listed;	/* on the m= line */
	fmt_kind kind;		/* from its first a=rtpmap */
	gboolean has_fmtp;
	gboolean bad_fmtp;	/* too long or not printable: never chosen */
	char fmtp[FMTP_MAX];
	gboolean nack, pli, fir;
} pt_info;

typedef struct parser {
	ms_sdp_offer *offer;
	ms_sdp_mline *cur;		/* NULL at session level */
	direction session_dir, dir;
	gboolean port_zero, bundle_only;
	int order[PT_MAX];		/* listed pts, in the offerer's order */
	guint n_order;
	pt_info pts[PT_MAX];
	gboolean any_nack, any_pli, any_fir;	/* a=rtcp-fb:* */
	char *detail;
	gsize detail_len;
} parser;

static ms_error fail(char *detail, gsize len, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static ms_error fail(char *detail, gsize len, const char *fmt, ...)
{
	if(detail != NULL && len > 0) {
		va_list ap;
		va_start(ap, fmt);
		g_vsnprintf(detail, len, fmt, ap);
		va_end(ap);
	}
	return MS_ERR_INVALID_REQUEST;
}

/* Visible ASCII, no spaces: safe to echo as an SDP token. */
static gboolean is_token(const char *s, gsize maxlen)
{
	gsize n = strlen(s);
	if(n == 0 || n >= maxlen)
		return FALSE;
	for(gsize i = 0; i < n; i++) {
		if(s[i] < 0x21 || s[i] > 0x7e)
			return FALSE;
	}
	return TRUE;
}

/* Payload type at the start of s ("102 ..." or "102"); -1 if none. */
static int read_pt(const char *s, const char **rest)
{
	if(!g_ascii_isdigit(s[0]))
		return -1;
	char *end = NULL;
	long v = strtol(s, &end, 10);
	if(v < 0 || v >= PT_MAX || end - s > 3)
		return -1;
	if(*end != '\0' && *end != ' ')
		return -1;
	while(*end == ' ')
		end++;
	*rest = end;
	return (int)v;
}

/* ---------- H264 choice ---------- */

/* Rank of an H264 fmtp, lower is better: 0 packetization-mode=1 and
 * profile-level-id 42e01f, 1 packetization-mode=1 and 42xxxx (a missing
 * profile-level-id means 42000a, RFC 6184), 2 packetization-mode=1, 3 other. */
static int h264_rank(const char *fmtp)
{
	gboolean pm1 = FALSE;
	char plid[8] = "42000a";
	gchar **params = g_strsplit(fmtp, ";", -1);
	for(gchar **p = params; *p != NULL; p++) {
		gchar *kv = g_strstrip(*p);
		gchar *eq = strchr(kv, '=');
		if(eq == NULL)
			continue;
		*eq = '\0';
		gchar *key = g_strstrip(kv), *val = g_strstrip(eq + 1);
		if(g_ascii_strcasecmp(key, "packetization-mode") == 0)
			pm1 = (strcmp(val, "1") == 0);
		else if(g_ascii_strcasecmp(key, "profile-level-id") == 0)
			g_strlcpy(plid, val, sizeof(plid));
	}
	g_strfreev(params);
	if(!pm1)
		return 3;
	if(g_ascii_strcasecmp(plid, "42e01f") == 0)
		return 0;
	if(strlen(plid) == 6 && g_ascii_strncasecmp(plid, "42", 2) == 0)
		return 1;
	return 2;
}

/* Rank of an H265 fmtp, lower is better: 0 profile-id 1 (Main, also the
 * default when absent, RFC 7798), 1 any other profile. */
static int h265_rank(const char *fmtp)
{
	int rank = 0;
	gchar **params = g_strsplit(fmtp, ";", -1);
	for(gchar **p = params; *p != NULL; p++) {
		gchar *kv = g_strstrip(*p);
		if(g_ascii_strncasecmp(kv, "profile-id=", 11) == 0)
			rank = strcmp(g_strstrip(kv + 11), "1") == 0 ? 0 : 1;
	}
	g_strfreev(params);
	return rank;
}

/* The best payload type of one codec on the current m-line, by rank (video;
 * audio: the first); ties go to the offerer's order. Returns its place in
 * that order (or -1). */
static int choose(parser *p, fmt_kind kind, ms_sdp_format *out)
{
	int best = -1, best_rank = 4, place = -1;
	for(guint i = 0; i < p->n_order; i++) {
		const pt_info *pi = &p->pts[p->order[i]];
		if(pi->kind != kind || pi->bad_fmtp)
			continue;
		int rank = kind == FMT_H265 ? h265_rank(pi->fmtp) : kind == FMT_H264 ? h264_rank(pi->fmtp) : 0;
		if(rank < best_rank) {
			best = p->order[i];
			best_rank = rank;
			place = (int)i;
		}
	}
	out->pt = best;
	if(best >= 0) {
		const pt_info *pi = &p->pts[best];
		g_strlcpy(out->fmtp, pi->fmtp, sizeof(out->fmtp));
		out->nack = pi->nack || p->any_nack;
		out->pli = pi->pli || p->any_pli;
		out->fir = pi->fir || p->any_fir;
	}
	return place;
}

/* Close the current m-line: direction, chosen pts, their fmtp and rtcp-fb. */
static void finish_mline(parser *p)
{
	ms_sdp_mline *m = p->cur;
	if(m == NULL)
		return;
	direction d = (p->dir != DIR_UNSET) ? p->dir : p->session_dir;
	m->recv = (d == DIR_SENDRECV || d == DIR_RECVONLY);
	if(p->port_zero && !p->bundle_only)
		m->recv = FALSE;	/* disabled by the offerer */
	int at264 = choose(p, FMT_H264, &m->h264), at265 = choose(p, FMT_H265, &m->h265);
	m->h265_first = at265 >= 0 && at265 < at264;
	choose(p, FMT_OPUS, &m->opus);
	choose(p, FMT_PCMU, &m->pcmu);
	choose(p, FMT_PCMA, &m->pcma);
	p->cur = NULL;
}

/* ---------- lines ---------- */

/* m=<media> <port>[/<n>] <proto> <fmt> ... */
static ms_error parse_mline(parser *p, const char *line)
{
	finish_mline(p);
	if(p->offer->n >= MS_SDP_MAX_MLINES)
		return fail(p->detail, p->detail_len, "more than %d m-lines", MS_SDP_MAX_MLINES);
	ms_sdp_mline *m = &p->offer->m[p->offer->n];
	memset(m, 0, sizeof(*m));
	m->h264.pt = m->h265.pt = m->opus.pt = m->pcmu.pt = m->pcma.pt = -1;
	gchar **tok = g_strsplit_set(line, " \t", -1);
	const char *f[4] = { NULL };
	guint nf = 0, n_fmt = 0;
	ms_error err = MS_OK;
	memset(p->pts, 0, sizeof(p->pts));
	p->n_order = 0;
	for(gchar **t = tok; *t != NULL && err == MS_OK; t++) {
		if(**t == '\0')
			continue;
		if(nf < 3) {
			f[nf++] = *t;
			continue;
		}
		if(n_fmt++ == 0 && !is_token(*t, sizeof(m->first_fmt)))
			err = fail(p->detail, p->detail_len, "m-line %u: bad format", p->offer->n);
		if(n_fmt == 1 && err == MS_OK)
			g_strlcpy(m->first_fmt, *t, sizeof(m->first_fmt));
		const char *rest = NULL;
		int pt = read_pt(*t, &rest);
		if(pt >= 0 && *rest == '\0' && !p->pts[pt].listed) {
			p->pts[pt].listed = TRUE;
			p->order[p->n_order++] = pt;
		}
	}
	if(err == MS_OK && (n_fmt == 0 || !is_token(f[0], sizeof(m->media)) ||
			!g_ascii_isdigit(f[1][0]) || !is_token(f[2], sizeof(m->proto))))
		err = fail(p->detail, p->detail_len, "m-line %u is malformed", p->offer->n);
	if(err == MS_OK) {
		g_strlcpy(m->media, f[0], sizeof(m->media));
		g_strlcpy(m->proto, f[2], sizeof(m->proto));
		p->port_zero = (atoi(f[1]) == 0);
		p->bundle_only = FALSE;
		p->dir = DIR_UNSET;
		p->any_nack = p->any_pli = p->any_fir = FALSE;
		p->cur = m;
		p->offer->n++;
		if(strcmp(m->media, "video") == 0)
			p->offer->n_video++;
	}
	g_strfreev(tok);
	return err;
}

static ms_error parse_mid(parser *p, const char *mid)
{
	ms_sdp_mline *m = p->cur;
	if(strlen(mid) >= MS_SDP_MID_MAX)
		return fail(p->detail, p->detail_len, "m-line %u: mid longer than %d characters",
			p->offer->n - 1, MS_SDP_MID_MAX - 1);
	if(!is_token(mid, MS_SDP_MID_MAX))
		return fail(p->detail, p->detail_len, "m-line %u: invalid mid", p->offer->n - 1);
	for(guint i = 0; i + 1 < p->offer->n; i++) {
		if(strcmp(p->offer->m[i].mid, mid) == 0)
			return fail(p->detail, p->detail_len, "m-line %u: duplicate mid %s",
				p->offer->n - 1, mid);
	}
	g_strlcpy(m->mid, mid, sizeof(m->mid));
	return MS_OK;
}

static void parse_rtpmap(parser *p, const char *val)
{
	const char *rest = NULL;
	int pt = read_pt(val, &rest);
	if(pt < 0)
		return;
	if(p->pts[pt].kind != FMT_NONE)
		return;		/* the first rtpmap of a pt counts */
	for(guint i = 0; i < G_N_ELEMENTS(fmt_names); i++) {
		gsize n = strlen(fmt_names[i].rtpmap);
		if(g_ascii_strncasecmp(rest, fmt_names[i].rtpmap, n) == 0 && (rest[n] == '\0' || rest[n] == '/'))
			p->pts[pt].kind = fmt_names[i].kind;
	}
}

static void parse_fmtp(parser *p, const char *val)
{
	const char *rest = NULL;
	int pt = read_pt(val, &rest);
	if(pt < 0 || p->pts[pt].has_fmtp)
		return;
	pt_info *pi = &p->pts[pt];
	pi->has_fmtp = TRUE;
	gsize n = strlen(rest);
	for(gsize i = 0; i < n; i++) {
		if(rest[i] < 0x20 || rest[i] > 0x7e)
			pi->bad_fmtp = TRUE;
	}
	if(n >= FMTP_MAX)
		pi->bad_fmtp = TRUE;
	if(!pi->bad_fmtp)
		g_strlcpy(pi->fmtp, rest, sizeof(pi->fmtp));
}

static void parse_rtcp_fb(parser *p, const char *val)
{
	gboolean *nack, *pli, *fir;
	const char *rest = NULL;
	if(val[0] == '*' && val[1] == ' ') {
		nack = &p->any_nack, pli = &p->any_pli, fir = &p->any_fir;
		rest = val + 2;
	} else {
		int pt = read_pt(val, &rest);
		if(pt < 0)
			return;
		nack = &p->pts[pt].nack, pli = &p->pts[pt].pli, fir = &p->pts[pt].fir;
	}
	gchar **tok = g_strsplit_set(rest, " \t", -1);
	gchar *words[3] = { NULL };
	guint n = 0;
	for(gchar **t = tok; *t != NULL; t++) {
		if(**t != '\0' && n < 3)
			words[n++] = *t;
		else if(**t != '\0')
			n++;
	}
	if(n == 1 && g_ascii_strcasecmp(words[0], "nack") == 0)
		*nack = TRUE;
	else if(n == 2 && g_ascii_strcasecmp(words[0], "nack") == 0 && g_ascii_strcasecmp(words[1], "pli") == 0)
		*pli = TRUE;
	else if(n == 2 && g_ascii_strcasecmp(words[0], "ccm") == 0 && g_ascii_strcasecmp(words[1], "fir") == 0)
		*fir = TRUE;
	g_strfreev(tok);
}

/* a=<name>[:<value>] */
static ms_error parse_attribute(parser *p, const char *attr)
{
	for(guint d = 0; d < G_N_ELEMENTS(dir_names); d++) {
		if(strcmp(attr, dir_names[d]) == 0) {
			if(p->cur != NULL)
				p->dir = (direction)d;
			else
				p->session_dir = (direction)d;
			return MS_OK;
		}
	}
	if(p->cur == NULL)
		return MS_OK;
	if(g_str_has_prefix(attr, "mid:"))
		return parse_mid(p, attr + 4);
	if(strcmp(attr, "bundle-only") == 0)
		p->bundle_only = TRUE;
	else if(g_str_has_prefix(attr, "rtpmap:"))
		parse_rtpmap(p, attr + 7);
	else if(g_str_has_prefix(attr, "fmtp:"))
		parse_fmtp(p, attr + 5);
	else if(g_str_has_prefix(attr, "rtcp-fb:"))
		parse_rtcp_fb(p, attr + 8);
	return MS_OK;
}

ms_error ms_sdp_parse_offer(const char *sdp, ms_sdp_offer *offer, char *detail, gsize detail_len)
{
	if(detail != NULL && detail_len > 0)
		detail[0] = '\0';
	if(offer == NULL)
		return fail(detail, detail_len, "no offer");
	memset(offer, 0, sizeof(*offer));
	if(sdp == NULL)
		return fail(detail, detail_len, "no SDP");
	parser *p = g_new0(parser, 1);
	p->offer = offer;
	p->session_dir = DIR_SENDRECV;
	p->detail = detail;
	p->detail_len = detail_len;
	ms_error err = MS_OK;
	gboolean first = TRUE;
	gchar **lines = g_strsplit(sdp, "\n", -1);
	for(gchar **l = lines; *l != NULL && err == MS_OK; l++) {
		gsize len = strlen(*l);
		if(len > 0 && (*l)[len - 1] == '\r')
			(*l)[--len] = '\0';
		if(len == 0)
			continue;
		if(first && !g_str_has_prefix(*l, "v="))
			err = fail(detail, detail_len, "not an SDP (no v= line)");
		first = FALSE;
		if(err == MS_OK && g_str_has_prefix(*l, "m="))
			err = parse_mline(p, *l + 2);
		else if(err == MS_OK && g_str_has_prefix(*l, "a="))
			err = parse_attribute(p, *l + 2);
	}
	g_strfreev(lines);
	finish_mline(p);
	g_free(p);
	if(err == MS_OK && first)
		err = fail(detail, detail_len, "not an SDP (empty)");
	if(err == MS_OK && offer->n == 0)
		err = fail(detail, detail_len, "no m-line in the offer");
	if(err != MS_OK)
		memset(offer, 0, sizeof(*offer));
	return err;
}

/* ---------- answer ---------- */

static void write_format(GString *out, const ms_sdp_format *f, const char *rtpmap)
{
	int pt = f->pt;
	g_string_append_printf(out, "a=rtpmap:%d %s\r\n", pt, rtpmap);
	if(f->fmtp[0] != '\0')
		g_string_append_printf(out, "a=fmtp:%d %s\r\n", pt, f->fmtp);
	if(f->nack)
		g_string_append_printf(out, "a=rtcp-fb:%d nack\r\n", pt);
	if(f->pli)
		g_string_append_printf(out, "a=rtcp-fb:%d nack pli\r\n", pt);
	if(f->fir)
		g_string_append_printf(out, "a=rtcp-fb:%d ccm fir\r\n", pt);
}

static void write_slot(GString *out, const ms_sdp_mline *m)
{
	/* In the offer's order: H264 always, H265 where offered */
	const ms_sdp_format *f[2] = { &m->h264, &m->h265 };
	const char *map[2] = { "H264/90000", "H265/90000" };
	guint first = m->h265_first ? 1 : 0, n = m->h265.pt >= 0 ? 2 : 1;
	if(n == 2)
		g_string_append_printf(out, "m=video 9 %s %d %d\r\n", m->proto, f[first]->pt, f[1 - first]->pt);
	else
		g_string_append_printf(out, "m=video 9 %s %d\r\n", m->proto, m->h264.pt);
	g_string_append(out, "c=IN IP4 127.0.0.1\r\na=sendonly\r\n");
	if(m->mid[0] != '\0')
		g_string_append_printf(out, "a=mid:%s\r\n", m->mid);
	g_string_append(out, "a=rtcp-mux\r\n");
	for(guint i = 0; i < n; i++) {
		guint k = n == 2 ? (first + i) % 2 : 0;
		write_format(out, f[k], map[k]);
	}
}

/* The audio m-line: Opus, and G.711 where offered, in the offer's order. */
static void write_audio(GString *out, const ms_sdp_mline *m)
{
	const ms_sdp_format *f[3] = { &m->opus, &m->pcmu, &m->pcma };
	const char *map[3] = { "opus/48000/2", "PCMU/8000", "PCMA/8000" };
	g_string_append_printf(out, "m=audio 9 %s", m->proto);
	for(guint i = 0; i < 3; i++)
		if(f[i]->pt >= 0)
			g_string_append_printf(out, " %d", f[i]->pt);
	g_string_append(out, "\r\nc=IN IP4 127.0.0.1\r\na=sendonly\r\n");
	if(m->mid[0] != '\0')
		g_string_append_printf(out, "a=mid:%s\r\n", m->mid);
	g_string_append(out, "a=rtcp-mux\r\n");
	for(guint i = 0; i < 3; i++)
		if(f[i]->pt >= 0)
			write_format(out, f[i], map[i]);
}

static void write_rejected(GString *out, const ms_sdp_mline *m)
{
	g_string_append_printf(out, "m=%s 0 %s %s\r\n", m->media, m->proto, m->first_fmt);
	g_string_append(out, "c=IN IP4 127.0.0.1\r\na=inactive\r\n");
	if(m->mid[0] != '\0')
		g_string_append_printf(out, "a=mid:%s\r\n", m->mid);
}

/* Map slots to m-lines: slot k is the k-th video m-line; check each. */
static ms_error map_slots(const ms_sdp_offer *offer, guint n_slots, int *mline_slot,
		char *detail, gsize detail_len)
{
	guint k = 0;
	for(guint i = 0; i < offer->n; i++) {
		const ms_sdp_mline *m = &offer->m[i];
		mline_slot[i] = -1;
		if(strcmp(m->media, "video") != 0 || k >= n_slots)
			continue;
		if(!m->recv)
			return fail(detail, detail_len, "slot %u (m-line %u): the offer does not "
				"let us send (need recvonly or sendrecv)", k, i);
		if(m->h264.pt < 0)
			return fail(detail, detail_len, "slot %u (m-line %u): no H264 offered", k, i);
		mline_slot[i] = (int)k++;
	}
	return MS_OK;
}

/* The first audio m-line that lets us send Opus, or -1. */
static int find_audio(const ms_sdp_offer *offer)
{
	for(guint i = 0; i < offer->n; i++) {
		const ms_sdp_mline *m = &offer->m[i];
		if(strcmp(m->media, "audio") == 0 && m->recv && m->opus.pt >= 0)
			return (int)i;
	}
	return -1;
}

char *ms_sdp_build_answer(const ms_sdp_offer *offer, guint n_slots, guint64 session_id,
		int *slot_mindex, int *slot_pt, int *slot_pt_h265, ms_sdp_audio *audio,
		ms_error *err, char *detail, gsize detail_len)
{
	ms_error e = MS_OK;
	int mline_slot[MS_SDP_MAX_MLINES], audio_at = -1;
	if(detail != NULL && detail_len > 0)
		detail[0] = '\0';
	if(offer == NULL || n_slots == 0 || offer->n > MS_SDP_MAX_MLINES)
		e = fail(detail, detail_len, "no offer or no slots");
	else if(offer->n_video < n_slots)
		e = fail(detail, detail_len, "the offer has %u video m-lines for %u slots",
			offer->n_video, n_slots);
	else
		e = map_slots(offer, n_slots, mline_slot, detail, detail_len);
	if(e == MS_OK && audio != NULL && (audio_at = find_audio(offer)) < 0)
		e = fail(detail, detail_len, "audio was asked for: the offer needs an audio m-line "
			"(recvonly or sendrecv) with Opus");
	if(err != NULL)
		*err = e;
	if(e != MS_OK)
		return NULL;
	GString *out = g_string_new(NULL);
	g_string_append_printf(out, "v=0\r\no=- %" G_GUINT64_FORMAT " 1 IN IP4 127.0.0.1\r\n"
		"s=janus-multistream\r\nt=0 0\r\n", session_id);
	GString *bundle = g_string_new("a=group:BUNDLE");
	for(guint i = 0; i < offer->n; i++) {
		if((mline_slot[i] >= 0 || (int)i == audio_at) && offer->m[i].mid[0] != '\0')
			g_string_append_printf(bundle, " %s", offer->m[i].mid);
	}
	if(bundle->len > strlen("a=group:BUNDLE"))
		g_string_append_printf(out, "%s\r\n", bundle->str);
	g_string_free(bundle, TRUE);
	g_string_append(out, "a=msid-semantic: WMS *\r\n");
	for(guint i = 0; i < offer->n; i++) {
		const ms_sdp_mline *m = &offer->m[i];
		int k = mline_slot[i];
		if((int)i == audio_at) {
			write_audio(out, m);
			*audio = (ms_sdp_audio){ .mindex = (int)i, .pt_opus = m->opus.pt,
				.pt_pcmu = m->pcmu.pt, .pt_pcma = m->pcma.pt };
			continue;
		}
		if(k < 0) {
			write_rejected(out, m);
			continue;
		}
		write_slot(out, m);
		if(slot_mindex != NULL)
			slot_mindex[k] = (int)i;
		if(slot_pt != NULL)
			slot_pt[k] = m->h264.pt;
		if(slot_pt_h265 != NULL)
			slot_pt_h265[k] = m->h265.pt;
	}
	return g_string_free(out, FALSE);
}
