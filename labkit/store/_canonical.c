/* labkit.store._canonical: read the events of a trace file spelled exactly as labkit writes it, in one pass.
 *
 * `scan(data, start, typed, flags)` reads every line of `data` from offset `start` (the line after the
 * header) and returns the event columns the store keeps. A line is taken only when it is byte for byte the
 * line labkit's writer produces for its event: the fields in the writer's order, no spaces, integers and
 * floats as Python spells them (a float is compared with Python's own `repr`), strings with exactly the
 * escapes `json.dumps(..., ensure_ascii=True)` writes, `args` a flat object (strings, integers, floats,
 * true, false, null) without a repeated key, every flag word an integer inside its mask. Any other line is
 * not refused here: its row is left empty and marked in `ok`, and labkit/store/fast.py has labkit's own
 * reader vouch for it (nested `args`, an odd spelling) or gives the whole file to `read_trace`, which
 * explains every problem. What this module accepts is therefore never more than what `read_trace` reads
 * back to the same bytes; tests hold the two to it.
 *
 * Columns come back as bytes laid out the way Arrow wants them: int64 / float64 values, uint8 validity
 * (1 = a value, 0 = null), int64 offsets into UTF-8 data for strings.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MAX_LINE_BYTES (8 * 1024 * 1024) /* labkit.trace.MAX_LINE_BYTES: a longer line is not taken */
#define MAX_T 1e15                       /* labkit.trace.parse.MAX_T: the latest time read_trace accepts */
#define MAX_ARG_KEYS 64
#define MAX_NUMBER 40 /* longest number token taken (Python's repr of a double is at most 24) */
#define MAX_TYPED 32

/* --- growable buffers ------------------------------------------------------------------------------ */

typedef struct {
    char *p;
    size_t len, cap;
    PyObject *owner; /* a bytes object of exactly the size needed, written in place (fixed-width columns) */
} buf_t;

static int buf_reserve(buf_t *b, size_t extra) {
    if (b->len + extra <= b->cap)
        return 0;
    if (b->owner != NULL) {
        PyErr_SetString(PyExc_SystemError, "a fixed-width column outgrew its row count");
        return -1;
    }
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->len + extra)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static inline int buf_put(buf_t *b, const void *src, size_t n) {
    if (b->len + n > b->cap && buf_reserve(b, n))
        return -1;
    char *to = b->p + b->len;
    if (n <= 16) { /* most pieces are short: no call to memcpy */
        const char *from = src;
        for (size_t i = 0; i < n; i++)
            to[i] = from[i];
    } else {
        memcpy(to, src, n);
    }
    b->len += n;
    return 0;
}

static int buf_byte(buf_t *b, unsigned char c) { return buf_put(b, &c, 1); }

/* Make `b` a bytes object of exactly `size` bytes, filled in place: no growing, no copy at the end. */
static int buf_exact(buf_t *b, size_t size) {
    b->owner = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
    if (b->owner == NULL)
        return -1;
    b->p = PyBytes_AS_STRING(b->owner);
    b->cap = size;
    b->len = 0;
    return 0;
}

static void buf_free(buf_t *b) {
    if (b->owner != NULL)
        Py_CLEAR(b->owner);
    else
        free(b->p);
    b->p = NULL;
}

/* --- columns ---------------------------------------------------------------------------------------- */

typedef struct {
    buf_t data, offsets, valid;
    size_t offset_size; /* 4 (Arrow string) when the data cannot reach 2 GiB, else 8 (large_string) */
} strcol_t;

typedef struct {
    buf_t values, valid;
} numcol_t;

static int str_end(strcol_t *c, int valid) {
    unsigned char v = (unsigned char)valid;
    if (c->offset_size == 4) {
        int32_t end = (int32_t)c->data.len;
        return buf_put(&c->offsets, &end, 4) || buf_put(&c->valid, &v, 1);
    }
    int64_t end = (int64_t)c->data.len;
    return buf_put(&c->offsets, &end, 8) || buf_put(&c->valid, &v, 1);
}

/* Room for `rows` rows and the first offset (0). */
static int str_reserve(strcol_t *c, size_t rows, size_t offset_size) {
    c->offset_size = offset_size;
    if (buf_exact(&c->offsets, (rows + 1) * offset_size) || buf_exact(&c->valid, rows))
        return -1;
    memset(c->offsets.p, 0, offset_size);
    c->offsets.len = offset_size;
    return 0;
}

static int num_push(numcol_t *c, const void *value, int valid) {
    unsigned char v = (unsigned char)valid;
    return buf_put(&c->values, value, 8) || buf_put(&c->valid, &v, 1);
}

enum { S_KIND, S_NAME, S_ACTOR, S_SUBJECT, S_ARGS, S_RESULT_NAME, S_EVIDENCE, S_FROM, S_TO, S_REF, N_STR };
static const char *STR_NAMES[N_STR] = {"kind",        "name",     "actor",      "subject", "args",
                                       "result_name", "evidence", "state_from", "state_to", "ref"};
enum { I_SEQ, I_T, I_RESULT, I_SPAN, N_NUM };
static const char *NUM_NAMES[N_NUM] = {"seq", "t", "result", "span"};

typedef struct {
    const char *key;
    Py_ssize_t key_len;
    int column; /* index into typed columns */
    int rank;   /* position of the key among its column's keys: the first present wins */
    int is_int; /* the column holds integers (else strings) */
    int is_flag;
    uint64_t outside; /* for a flag word: the bits outside its mask */
} keyspec_t;

typedef struct {
    strcol_t str[N_STR];
    numcol_t num[N_NUM];
    int n_typed;
    int typed_is_int[MAX_TYPED];
    strcol_t typed_str[MAX_TYPED];
    numcol_t typed_int[MAX_TYPED];
    keyspec_t *keys;
    Py_ssize_t n_keys;
    buf_t ok, ends, scratch;
} scan_t;

/* Every buffer's length, to undo a line that turned out not to be canonical. */
typedef struct {
    size_t str_data[N_STR];
    size_t typed_data[MAX_TYPED];
} mark_t;

static void mark(scan_t *s, mark_t *m) {
    for (int i = 0; i < N_STR; i++)
        m->str_data[i] = s->str[i].data.len;
    for (int i = 0; i < s->n_typed; i++)
        m->typed_data[i] = s->typed_str[i].data.len;
}

/* --- tokens --------------------------------------------------------------------------------------- */

typedef struct {
    const char *p, *e; /* cursor and end of the line (its newline) */
} cur_t;

static int lit(cur_t *c, const char *text, size_t n) {
    if ((size_t)(c->e - c->p) < n || memcmp(c->p, text, n) != 0)
        return 0;
    c->p += n;
    return 1;
}
#define LIT(c, s) lit((c), (s), sizeof(s) - 1)

static int hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char h = p[i];
        if (h >= '0' && h <= '9')
            v = v * 16 + (unsigned)(h - '0');
        else if (h >= 'a' && h <= 'f') /* Python writes lowercase hex */
            v = v * 16 + (unsigned)(h - 'a' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

static int put_utf8(buf_t *b, unsigned cp) {
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | (cp >> 6));
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | (cp >> 12));
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | (cp >> 18));
        u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return buf_put(b, u, n);
}

/* A JSON string spelled as Python's ensure_ascii encoder spells it, decoded to UTF-8 into `out` (if not
 * NULL). Returns 1 when taken, 0 when not canonical, -1 on a memory error. */
static int string(cur_t *c, buf_t *out) {
    const char *p = c->p, *e = c->e;
    if (p >= e || *p != '"')
        return 0;
    const char *run = ++p;
    for (;;) {
        if (p >= e)
            return 0;
        unsigned char ch = (unsigned char)*p;
        if (ch == '"')
            break;
        if (ch >= 0x20 && ch < 0x7F && ch != '\\') {
            p++;
            continue;
        }
        if (ch != '\\')
            return 0; /* a raw control character, DEL or non-ASCII byte: Python escapes these */
        if (out && buf_put(out, run, (size_t)(p - run)))
            return -1;
        if (e - p < 2)
            return 0;
        char esc = p[1];
        unsigned char plain = 0;
        switch (esc) {
        case '"': plain = '"'; break;
        case '\\': plain = '\\'; break;
        case 'n': plain = '\n'; break;
        case 'r': plain = '\r'; break;
        case 't': plain = '\t'; break;
        case 'b': plain = '\b'; break;
        case 'f': plain = '\f'; break;
        case 'u': break;
        default: return 0; /* \/ and anything else: not Python's spelling */
        }
        if (esc != 'u') {
            if (out && buf_byte(out, plain))
                return -1;
            p += 2;
            run = p;
            continue;
        }
        unsigned cp;
        if (e - p < 6 || !hex4(p + 2, &cp))
            return 0;
        p += 6;
        if (cp < 0x20) {
            if (cp == '\b' || cp == '\t' || cp == '\n' || cp == '\f' || cp == '\r')
                return 0; /* Python writes these with their short escapes */
        } else if (cp < 0x7F) {
            return 0; /* printable ASCII is written as itself */
        } else if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned low;
            if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, &low) || low < 0xDC00 || low > 0xDFFF)
                return 0; /* half a character: labkit's reader decides */
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            p += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return 0;
        }
        if (out && put_utf8(out, cp))
            return -1;
        run = p;
    }
    if (out && buf_put(out, run, (size_t)(p - run)))
        return -1;
    c->p = p + 1;
    return 1;
}

/* An integer as Python writes one (no leading zero, no "-0"), within 64 bits. */
static int integer(cur_t *c, int64_t *out) {
    const char *p = c->p, *e = c->e;
    int neg = 0;
    if (p < e && *p == '-') {
        neg = 1;
        p++;
    }
    if (p >= e || *p < '0' || *p > '9')
        return 0;
    uint64_t v = 0;
    if (*p == '0') {
        p++;
        if (neg)
            return 0;
    } else {
        int digits = 0;
        while (p < e && *p >= '0' && *p <= '9') {
            if (++digits > 19)
                return 0;
            v = v * 10 + (uint64_t)(*p - '0');
            p++;
        }
        if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
            return 0;
    }
    if (p < e && (*p == '.' || *p == 'e' || *p == 'E' || (*p >= '0' && *p <= '9')))
        return 0;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    c->p = p;
    return 1;
}

/* Whether a plain decimal token (`-?digits.digits`) is surely Python's repr of the double it parses to,
 * without formatting that double: repr writes the shortest digits that read back to the same double, in
 * fixed notation for decimal exponents -4 to 15, with ".0" after an integral value. A decimal of at most 15
 * significant digits is the only one of at most 15 digits that reads back to its double (two such decimals
 * are further apart than a double's spacing), so when its digits do not end in a zero it is the shortest.
 * Returns 1 surely canonical, 0 not known (the caller asks Python's formatter). */
static int plain_is_shortest(const char *t, size_t n) {
    size_t i = 0;
    if (t[i] == '-')
        i++;
    size_t int_start = i;
    while (i < n && t[i] >= '0' && t[i] <= '9')
        i++;
    size_t int_len = i - int_start;
    if (int_len == 0 || i >= n || t[i] != '.' || (int_len > 1 && t[int_start] == '0'))
        return 0;
    size_t frac_start = ++i;
    while (i < n && t[i] >= '0' && t[i] <= '9')
        i++;
    size_t frac_len = i - frac_start;
    if (i != n || frac_len == 0)
        return 0;
    const char *frac = t + frac_start;
    if (frac_len == 1 && frac[0] == '0') {
        /* an integral value: its digits without the zeros at the end of the integer part */
        if (int_len > 16)
            return 0;
        size_t sig = int_len;
        while (sig > 1 && t[int_start + sig - 1] == '0')
            sig--;
        return sig <= 15;
    }
    if (frac[frac_len - 1] == '0')
        return 0; /* a zero at the end is never the shortest spelling */
    size_t sig;
    if (int_len == 1 && t[int_start] == '0') {
        size_t zeros = 0;
        while (zeros < frac_len && frac[zeros] == '0')
            zeros++;
        if (zeros > 3)
            return 0; /* below 1e-4 repr switches to an exponent */
        sig = frac_len - zeros;
    } else {
        if (int_len > 16)
            return 0;
        sig = int_len + frac_len;
    }
    return sig <= 15;
}

/* A float as Python's repr spells it (`float.__repr__`, which json uses): parsed by Python's own reader,
 * and either surely the shortest spelling (`plain_is_shortest`) or written back by Python's own formatter
 * and compared. Returns 1 taken, 0 not canonical, -1 error. */
static int real(cur_t *c, double *out) {
    const char *p = c->p;
    while (p < c->e && ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == '.' || *p == 'e' || *p == 'E'))
        p++;
    size_t n = (size_t)(p - c->p);
    if (n == 0 || n > MAX_NUMBER)
        return 0;
    char token[MAX_NUMBER + 1];
    memcpy(token, c->p, n);
    token[n] = 0;
    char *end;
    double d = PyOS_string_to_double(token, &end, NULL);
    if (d == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    if (end != token + n || !isfinite(d))
        return 0;
    if (!plain_is_shortest(token, n)) {
        char *spelled = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
        if (spelled == NULL)
            return -1;
        int same = strlen(spelled) == n && memcmp(spelled, token, n) == 0;
        PyMem_Free(spelled);
        if (!same)
            return 0;
    }
    *out = d;
    c->p = p;
    return 1;
}

static int is_number_start(char ch) { return ch == '-' || (ch >= '0' && ch <= '9'); }

/* A number token without a point or exponent is an integer (as Python reads it). */
static int number_is_int(const cur_t *c) {
    for (const char *p = c->p; p < c->e; p++) {
        if (*p == '.' || *p == 'e' || *p == 'E')
            return 0;
        if (!((*p >= '0' && *p <= '9') || *p == '-'))
            return 1;
    }
    return 1;
}

/* --- one line --------------------------------------------------------------------------------------- */

/* A nullable string field: `null` or a canonical string into `col`. */
static int opt_string(cur_t *c, strcol_t *col) {
    if (LIT(c, "null"))
        return str_end(col, 0) ? -1 : 1;
    int r = string(c, &col->data);
    if (r != 1)
        return r;
    return str_end(col, 1) ? -1 : 1;
}

static int req_string(cur_t *c, strcol_t *col, int nonempty) {
    size_t before = col->data.len;
    int r = string(c, &col->data);
    if (r != 1)
        return r;
    if (nonempty && col->data.len == before)
        return 0; /* an empty name or actor: read_trace refuses it */
    return str_end(col, 1) ? -1 : 1;
}

static int opt_int(cur_t *c, numcol_t *col) {
    int64_t v = 0;
    if (LIT(c, "null"))
        return num_push(col, &v, 0) ? -1 : 1;
    if (!integer(c, &v))
        return 0;
    return num_push(col, &v, 1) ? -1 : 1;
}

typedef struct {
    int rank;
    int64_t i;
    size_t start, len; /* a string value in scratch */
} found_t;

/* `args`: a flat object; the raw text is copied (it is canonical), typed columns and flag words read. */
static int args(scan_t *s, cur_t *c, found_t *found) {
    const char *begin = c->p;
    buf_t *scratch = &s->scratch;
    scratch->len = 0;
    size_t key_at[MAX_ARG_KEYS], key_len[MAX_ARG_KEYS];
    int n_keys = 0;
    for (int i = 0; i < s->n_typed; i++) {
        found[i].rank = INT32_MAX;
        found[i].i = 0;
    }
    if (!LIT(c, "{"))
        return 0;
    if (!LIT(c, "}")) {
        for (;;) {
            size_t at = scratch->len;
            int r = string(c, scratch);
            if (r != 1)
                return r;
            size_t len = scratch->len - at;
            if (n_keys == MAX_ARG_KEYS)
                return 0;
            for (int k = 0; k < n_keys; k++)
                if (key_len[k] == len && memcmp(scratch->p + key_at[k], scratch->p + at, len) == 0)
                    return 0; /* a repeated key: read_trace refuses the line */
            key_at[n_keys] = at;
            key_len[n_keys++] = len;
            if (!LIT(c, ":"))
                return 0;
            /* the value */
            if (c->p >= c->e)
                return 0;
            char ch = *c->p;
            int is_int = 0, is_str = 0, is_null = 0;
            int64_t iv = 0;
            size_t sv_at = scratch->len, sv_len = 0;
            if (ch == '"') {
                r = string(c, scratch);
                if (r != 1)
                    return r;
                sv_len = scratch->len - sv_at;
                is_str = 1;
            } else if (is_number_start(ch)) {
                if (number_is_int(c)) {
                    if (!integer(c, &iv))
                        return 0;
                    is_int = 1;
                } else {
                    double d;
                    r = real(c, &d);
                    if (r != 1)
                        return r;
                }
            } else if (LIT(c, "null")) {
                is_null = 1;
            } else if (!LIT(c, "true") && !LIT(c, "false")) {
                return 0; /* an array or object inside, or not JSON: labkit's reader decides */
            }
            /* A key may feed a typed column, be a flag word, or both. */
            for (Py_ssize_t k = 0; k < s->n_keys; k++) {
                const keyspec_t *ks = &s->keys[k];
                if ((size_t)ks->key_len != len || memcmp(ks->key, scratch->p + at, len) != 0)
                    continue;
                if (ks->is_flag && !is_null && (!is_int || iv < 0 || ((uint64_t)iv & ks->outside)))
                    return 0; /* a flag word must be a set of named bits: read_trace says which */
                if (ks->column < 0)
                    continue;
                found_t *f = &found[ks->column];
                if ((ks->is_int ? is_int : is_str) && ks->rank < f->rank) {
                    f->rank = ks->rank;
                    f->i = iv;
                    f->start = sv_at;
                    f->len = sv_len;
                }
            }
            if (LIT(c, "}"))
                break;
            if (!LIT(c, ","))
                return 0;
        }
    }
    if (buf_put(&s->str[S_ARGS].data, begin, (size_t)(c->p - begin)) || str_end(&s->str[S_ARGS], 1))
        return -1;
    for (int i = 0; i < s->n_typed; i++) {
        found_t *f = &found[i];
        int have = f->rank != INT32_MAX;
        if (s->typed_is_int[i]) {
            if (num_push(&s->typed_int[i], &f->i, have))
                return -1;
        } else {
            if (have && buf_put(&s->typed_str[i].data, scratch->p + f->start, f->len))
                return -1;
            if (str_end(&s->typed_str[i], have))
                return -1;
        }
    }
    return 1;
}

#define STEP(expr)                                                                                         \
    do {                                                                                                   \
        int r_ = (expr);                                                                                   \
        if (r_ != 1)                                                                                       \
            return r_;                                                                                     \
    } while (0)
#define NEED(cond)                                                                                         \
    do {                                                                                                   \
        if (!(cond))                                                                                       \
            return 0;                                                                                      \
    } while (0)

/* One event line (without its newline). Every column gets exactly one entry when it returns 1. */
static int line(scan_t *s, cur_t *c, found_t *found) {
    int64_t seq;
    double t;
    NEED(LIT(c, "{\"seq\":") && c->p < c->e && *c->p != '-' && integer(c, &seq));
    NEED(LIT(c, ",\"t\":"));
    STEP(real(c, &t));
    NEED(t >= 0 && t <= MAX_T);
    NEED(LIT(c, ",\"kind\":"));
    STEP(req_string(c, &s->str[S_KIND], 0));
    NEED(LIT(c, ",\"name\":"));
    STEP(req_string(c, &s->str[S_NAME], 1));
    NEED(LIT(c, ",\"actor\":"));
    STEP(req_string(c, &s->str[S_ACTOR], 1));
    NEED(LIT(c, ",\"subject\":"));
    STEP(req_string(c, &s->str[S_SUBJECT], 0));
    NEED(LIT(c, ",\"args\":"));
    STEP(args(s, c, found));
    NEED(LIT(c, ",\"result\":"));
    STEP(opt_int(c, &s->num[I_RESULT]));
    NEED(LIT(c, ",\"result_name\":"));
    STEP(opt_string(c, &s->str[S_RESULT_NAME]));
    NEED(LIT(c, ",\"span\":"));
    STEP(opt_int(c, &s->num[I_SPAN]));
    NEED(LIT(c, ",\"evidence\":"));
    STEP(req_string(c, &s->str[S_EVIDENCE], 0));
    if (LIT(c, ",\"state\":{\"from\":")) {
        STEP(opt_string(c, &s->str[S_FROM]));
        NEED(LIT(c, ",\"to\":"));
        STEP(req_string(c, &s->str[S_TO], 0));
        NEED(LIT(c, "}"));
    } else if (str_end(&s->str[S_FROM], 0) || str_end(&s->str[S_TO], 0)) {
        return -1;
    }
    if (LIT(c, ",\"ref\":")) {
        STEP(req_string(c, &s->str[S_REF], 0));
    } else if (str_end(&s->str[S_REF], 0)) {
        return -1;
    }
    NEED(LIT(c, "}") && c->p == c->e);
    if (num_push(&s->num[I_SEQ], &seq, 1) || num_push(&s->num[I_T], &t, 1))
        return -1;
    return 1;
}

/* Cut a column back to `rows` entries (string data to `data_len` bytes) and give the next row a null. */
static int str_cut(strcol_t *col, Py_ssize_t rows, size_t data_len) {
    col->data.len = data_len;
    col->offsets.len = (size_t)(rows + 1) * col->offset_size;
    col->valid.len = (size_t)rows;
    return str_end(col, 0);
}

static int num_cut(numcol_t *col, Py_ssize_t rows) {
    static const int64_t zero = 0;
    col->values.len = (size_t)rows * 8;
    col->valid.len = (size_t)rows;
    return num_push(col, &zero, 0);
}

/* Cut every column back to `rows` entries (the rows before a line that was not taken) and give that line
 * an empty, null row. */
static int empty_row(scan_t *s, const mark_t *m, Py_ssize_t rows) {
    for (int i = 0; i < N_STR; i++)
        if (str_cut(&s->str[i], rows, m->str_data[i]))
            return -1;
    for (int i = 0; i < N_NUM; i++)
        if (num_cut(&s->num[i], rows))
            return -1;
    for (int i = 0; i < s->n_typed; i++) {
        int r = s->typed_is_int[i] ? num_cut(&s->typed_int[i], rows)
                                   : str_cut(&s->typed_str[i], rows, m->typed_data[i]);
        if (r)
            return -1;
    }
    return 0;
}

/* --- the module function ---------------------------------------------------------------------------- */

static void scan_free(scan_t *s) {
    for (int i = 0; i < N_STR; i++) {
        buf_free(&s->str[i].data);
        buf_free(&s->str[i].offsets);
        buf_free(&s->str[i].valid);
    }
    for (int i = 0; i < N_NUM; i++) {
        buf_free(&s->num[i].values);
        buf_free(&s->num[i].valid);
    }
    for (int i = 0; i < MAX_TYPED; i++) {
        buf_free(&s->typed_str[i].data);
        buf_free(&s->typed_str[i].offsets);
        buf_free(&s->typed_str[i].valid);
        buf_free(&s->typed_int[i].values);
        buf_free(&s->typed_int[i].valid);
    }
    buf_free(&s->ok);
    buf_free(&s->ends);
    buf_free(&s->scratch);
    PyMem_Free(s->keys);
}

/* Room for `rows` rows in every fixed-width buffer, and the first offset of every string column. A
 * string column's data is at most the file's size, so `offset_size` 4 serves any file under 2 GiB. */
static int reserve_rows(scan_t *s, size_t rows, size_t offset_size) {
    for (int i = 0; i < N_STR; i++)
        if (str_reserve(&s->str[i], rows, offset_size))
            return -1;
    for (int i = 0; i < N_NUM; i++)
        if (buf_exact(&s->num[i].values, rows * 8) || buf_exact(&s->num[i].valid, rows))
            return -1;
    for (int i = 0; i < s->n_typed; i++) {
        if (s->typed_is_int[i]) {
            if (buf_exact(&s->typed_int[i].values, rows * 8) || buf_exact(&s->typed_int[i].valid, rows))
                return -1;
        } else if (str_reserve(&s->typed_str[i], rows, offset_size)) {
            return -1;
        }
    }
    return buf_exact(&s->ok, rows) || buf_exact(&s->ends, rows * 8);
}

static PyObject *as_bytes(const buf_t *b) {
    if (b->owner != NULL && b->len == b->cap) {
        Py_INCREF(b->owner);
        return b->owner;
    }
    return PyBytes_FromStringAndSize(b->p ? b->p : "", (Py_ssize_t)b->len);
}

static int put_str(PyObject *out, const char *name, const strcol_t *col) {
    PyObject *t = Py_BuildValue("(NNN)", as_bytes(&col->offsets), as_bytes(&col->data), as_bytes(&col->valid));
    if (t == NULL)
        return -1;
    int r = PyDict_SetItemString(out, name, t);
    Py_DECREF(t);
    return r;
}

static int put_num(PyObject *out, const char *name, const numcol_t *col) {
    PyObject *t = Py_BuildValue("(NN)", as_bytes(&col->values), as_bytes(&col->valid));
    if (t == NULL)
        return -1;
    int r = PyDict_SetItemString(out, name, t);
    Py_DECREF(t);
    return r;
}

/* typed: ((column, ("key", ...), is_int), ...); flags: (("key", outside_mask), ...) */
static int read_specs(scan_t *s, PyObject *typed, PyObject *flags) {
    Py_ssize_t n_typed = PyTuple_Size(typed), n_flags = PyTuple_Size(flags), n = 0;
    if (n_typed < 0 || n_flags < 0)
        return -1;
    if (n_typed > MAX_TYPED) {
        PyErr_SetString(PyExc_ValueError, "too many typed columns");
        return -1;
    }
    for (Py_ssize_t i = 0; i < n_typed; i++) {
        PyObject *keys = PyTuple_GetItem(PyTuple_GetItem(typed, i), 1);
        if (keys == NULL || !PyTuple_Check(keys)) {
            PyErr_SetString(PyExc_TypeError, "typed: (column, (keys...), is_int)");
            return -1;
        }
        n += PyTuple_Size(keys);
    }
    s->keys = PyMem_Calloc((size_t)(n + n_flags + 1), sizeof(keyspec_t));
    if (s->keys == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    s->n_typed = (int)n_typed;
    for (Py_ssize_t i = 0; i < n_typed; i++) {
        PyObject *item = PyTuple_GetItem(typed, i);
        PyObject *keys = PyTuple_GetItem(item, 1);
        int is_int = PyObject_IsTrue(PyTuple_GetItem(item, 2));
        if (is_int < 0)
            return -1;
        s->typed_is_int[i] = is_int;
        for (Py_ssize_t k = 0; k < PyTuple_Size(keys); k++) {
            keyspec_t *ks = &s->keys[s->n_keys++];
            ks->key = PyUnicode_AsUTF8AndSize(PyTuple_GetItem(keys, k), &ks->key_len);
            if (ks->key == NULL)
                return -1;
            ks->column = (int)i;
            ks->rank = (int)k;
            ks->is_int = is_int;
        }
    }
    for (Py_ssize_t i = 0; i < n_flags; i++) {
        PyObject *item = PyTuple_GetItem(flags, i);
        if (item == NULL || !PyTuple_Check(item) || PyTuple_Size(item) != 2) {
            PyErr_SetString(PyExc_TypeError, "flags: ((key, outside_mask), ...)");
            return -1;
        }
        keyspec_t *ks = &s->keys[s->n_keys++];
        ks->key = PyUnicode_AsUTF8AndSize(PyTuple_GetItem(item, 0), &ks->key_len);
        if (ks->key == NULL)
            return -1;
        ks->outside = PyLong_AsUnsignedLongLong(PyTuple_GetItem(item, 1));
        if (PyErr_Occurred())
            return -1;
        ks->column = -1;
        ks->is_flag = 1;
    }
    return 0;
}

static PyObject *scan(PyObject *Py_UNUSED(self), PyObject *pyargs) {
    Py_buffer view;
    Py_ssize_t start;
    PyObject *typed, *flags;
    if (!PyArg_ParseTuple(pyargs, "y*nO!O!", &view, &start, &PyTuple_Type, &typed, &PyTuple_Type, &flags))
        return NULL;
    scan_t s;
    memset(&s, 0, sizeof s);
    PyObject *out = NULL;
    found_t found[MAX_TYPED];
    if (start < 0 || start > view.len) {
        PyErr_SetString(PyExc_ValueError, "start outside the data");
        goto done;
    }
    if (read_specs(&s, typed, flags))
        goto done;
    const char *data = view.buf, *p = data + start, *end = data + view.len;
    size_t lines = 0;
    for (const char *q = p; q < end; lines++) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        q = nl ? nl + 1 : end;
    }
    if (reserve_rows(&s, lines, view.len < INT32_MAX ? 4 : 8))
        goto done;
    Py_ssize_t rows = 0;
    int failed = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        mark_t m;
        mark(&s, &m);
        cur_t c = {p, e};
        int r = (e - p) <= MAX_LINE_BYTES ? line(&s, &c, found) : 0;
        if (r < 0 || (r == 0 && empty_row(&s, &m, rows))) {
            failed = 1;
            break;
        }
        unsigned char ok = (unsigned char)r;
        int64_t at = (int64_t)(e - data);
        if (buf_put(&s.ok, &ok, 1) || buf_put(&s.ends, &at, 8)) {
            failed = 1;
            break;
        }
        rows++;
        p = nl ? nl + 1 : end;
    }
    if (failed) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    out = PyDict_New();
    if (out == NULL)
        goto done;
    PyObject *n = PyLong_FromSsize_t(rows);
    if (n == NULL || PyDict_SetItemString(out, "rows", n) < 0) {
        Py_XDECREF(n);
        Py_CLEAR(out);
        goto done;
    }
    Py_DECREF(n);
    int bad = 0;
    for (int i = 0; i < N_STR && !bad; i++)
        bad = put_str(out, STR_NAMES[i], &s.str[i]);
    for (int i = 0; i < N_NUM && !bad; i++)
        bad = put_num(out, NUM_NAMES[i], &s.num[i]);
    for (int i = 0; i < s.n_typed && !bad; i++) {
        const char *name = PyUnicode_AsUTF8(PyTuple_GetItem(PyTuple_GetItem(typed, i), 0));
        if (name == NULL)
            bad = 1;
        else if (s.typed_is_int[i])
            bad = put_num(out, name, &s.typed_int[i]);
        else
            bad = put_str(out, name, &s.typed_str[i]);
    }
    if (!bad) {
        PyObject *ok = as_bytes(&s.ok), *ends = as_bytes(&s.ends);
        bad = ok == NULL || ends == NULL || PyDict_SetItemString(out, "ok", ok) < 0 ||
              PyDict_SetItemString(out, "ends", ends) < 0;
        Py_XDECREF(ok);
        Py_XDECREF(ends);
    }
    if (bad)
        Py_CLEAR(out);
done:
    scan_free(&s);
    PyBuffer_Release(&view);
    return out;
}

/* Whether a number token is exactly Python's repr of the float it spells (the check every float of a line
 * goes through), for the tests that hold it to Python's repr. */
static PyObject *is_float_repr(PyObject *Py_UNUSED(self), PyObject *arg) {
    Py_buffer view;
    if (!PyArg_Parse(arg, "y*", &view))
        return NULL;
    cur_t c = {view.buf, (const char *)view.buf + view.len};
    double d;
    int r = real(&c, &d);
    int whole = r == 1 && c.p == c.e;
    PyBuffer_Release(&view);
    if (r < 0)
        return NULL;
    return PyBool_FromLong(whole);
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS,
     "scan(data, start, typed, flags) -> dict: the event columns of the canonical lines of a trace file."},
    {"is_float_repr", is_float_repr, METH_O, "is_float_repr(token: bytes) -> bool: token == repr(float(token))."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_canonical",
    .m_doc = "Reading trace files spelled exactly as labkit writes them, in one pass.",
    .m_size = -1,
    .m_methods = methods,
};

/* The limits the reader applies, as attributes: a test holds them to labkit.trace's. */
PyMODINIT_FUNC PyInit__canonical(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "MAX_LINE_BYTES", MAX_LINE_BYTES) < 0 ||
        PyModule_AddObject(m, "MAX_T", PyFloat_FromDouble(MAX_T)) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
