/* ms_jcfg.h: a tolerant reader of Janus's .jcfg (libconfig) syntax (pure).
 *
 * libconfig rejects a whole file on its first error, so one bad camera
 * entry would leave the wall with no cameras. This reader accepts the same
 * syntax, records each error with its line and the setting it concerns,
 * skips to the next line (or to the '}' closing the current group) and
 * carries on. Every setting keeps its line; duplicate names are kept, in
 * file order, and are not errors here (the caller decides what a duplicate
 * means and reports it).
 *
 * Syntax: `name = value` or `name : value`, optionally ending in ';' or ',';
 * names [A-Za-z*][-A-Za-z0-9_*]*; values: strings "..." (escapes \" \\ \n
 * \r \t \f \xNN, adjacent strings concatenated), integers (decimal, 0x hex,
 * optional L/LL), floats, true/false (any case), groups { }, lists ( ) and
 * arrays [ ] (elements unnamed); comments #, // and slash-star blocks.
 * Differences from libconfig 1.5 (compared on fuzzed inputs): duplicates
 * are kept (see above); a string may not span lines; a NUL byte (raw or
 * \x00) is an error; a string or block comment left open at EOF is an
 * error (libconfig drops it silently);
 * a # or // comment may end the file without a newline (libconfig rejects
 * that); a float needs a digit ("." alone is not 0.0); @include is not
 * supported. Nesting is bounded (MS_JCFG_MAX_DEPTH) and parsing is linear
 * in the input.
 *
 * Error names are paths of at most 200 bytes: the setting in error
 * ("streams.camera2.source", "media[0].mid"), or the group the error sits
 * in when no setting name could be read ("streams" for a bad name inside
 * it, "" at top level). A setting whose value is bad is dropped; a group
 * keeps the settings it parsed. */
#ifndef MS_JCFG_H
#define MS_JCFG_H

#include <glib.h>

#define MS_JCFG_MAX_DEPTH	32		/* nested groups/lists */
#define MS_JCFG_MAX_SIZE	(16 * 1024 * 1024)	/* bytes of input */
#define MS_JCFG_MAX_ERRORS	1000	/* then one "too many errors" */

typedef enum ms_jcfg_type {
	MS_JCFG_STRING = 0,
	MS_JCFG_INT,
	MS_JCFG_FLOAT,
	MS_JCFG_BOOL,
	MS_JCFG_GROUP,
	MS_JCFG_LIST,		/* ( ... ): any values */
	MS_JCFG_ARRAY,		/* [ ... ]: scalars of one type */
} ms_jcfg_type;

typedef struct ms_jcfg_setting ms_jcfg_setting;
typedef struct ms_jcfg ms_jcfg;

/* Never NULL for non-NULL text; never fails as a whole (errors are listed).
 * text needs no NUL terminator: exactly len bytes are read. */
ms_jcfg *ms_jcfg_parse(const char *text, gsize len);
void ms_jcfg_free(ms_jcfg *cfg);
/* The top-level group (name "", line 0). */
const ms_jcfg_setting *ms_jcfg_root(const ms_jcfg *cfg);

guint ms_jcfg_error_count(const ms_jcfg *cfg);
/* The i-th error, in file order: line (1-based), the path of the setting it
 * concerns ("" when none), and the message. Out pointers may be NULL;
 * FALSE when i is out of range. */
gboolean ms_jcfg_error(const ms_jcfg *cfg, guint i, int *line,
	const char **name, const char **message);

/* Children of a group, list or array in file order, duplicates kept; 0 and
 * NULL for scalars or out of range. */
guint ms_jcfg_count(const ms_jcfg_setting *group);
const ms_jcfg_setting *ms_jcfg_child(const ms_jcfg_setting *group, guint i);
/* The first child of a group with that name, or NULL. */
const ms_jcfg_setting *ms_jcfg_get(const ms_jcfg_setting *group, const char *name);

/* "" for list/array elements and the root. */
const char *ms_jcfg_name(const ms_jcfg_setting *s);
ms_jcfg_type ms_jcfg_kind(const ms_jcfg_setting *s);
const char *ms_jcfg_type_name(ms_jcfg_type type);
int ms_jcfg_line(const ms_jcfg_setting *s);
/* Scalars: a string's unescaped content, the literal text of a number
 * ("0x1F", "-2.5e3", "10L"), "true" or "false"; NULL for containers. */
const char *ms_jcfg_value(const ms_jcfg_setting *s);

#endif
