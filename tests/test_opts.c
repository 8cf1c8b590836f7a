/* Unit tests of the option parser (report/cli/opts.c) and the shell quoting
 * of the CLI helpers (cli.c): every kind, range, form and message. */
#include "check.h"
#include "cli.h"
#include "opts.h"

#include <stdint.h>

typedef struct vals {
    int flag, off, from;
    int small;
    int64_t big;
    double num, pos;
    const char *str, *choice, *checked;
    opt_list list;
} vals;

static int no_x(const char *v, const char **expected) {
    *expected = "no 'x'";
    return strchr(v, 'x') ? -1 : 0;
}

/* Parse the arguments (after a command name) into 'v'; the status. */
static int parse(vals *v, opts_args *args, error *err, int argc, char **argv) {
    memset(v, 0, sizeof *v);
    v->off = 1;
    const opt_spec specs[] = {
        OPT_FLAG("flag", 'f', &v->flag, 1),
        OPT_FLAG("no-off", 0, &v->off, 0),
        OPT_INT("small", 's', &v->small, 1, 8),
        OPT_INT("big", 0, &v->big, -5, 10000000000LL),
        OPT_DOUBLE("num", 0, &v->num, 0, 1e6),
        OPT_POSITIVE("pos", 0, &v->pos),
        OPT_STRING("str", 'o', &v->str),
        OPT_CHOICE("choice", 0, &v->choice, "nats|nats-2p"),
        OPT_CHECKED("checked", 0, &v->checked, no_x),
        OPT_LIST("list", 0, &v->list, 1, 3),
        OPT_REST("from", &v->from),
        OPT_HELP,
        OPT_END,
    };
    error_clear(err);
    return opts_parse(specs, argc, argv, args, err);
}

#define ARGS(...)                                                                        \
    (char *[]) {                                                                         \
        "cmd", __VA_ARGS__                                                               \
    }
#define NARGS(...) ((int)(sizeof(char *[]){"cmd", __VA_ARGS__} / sizeof(char *)))
#define PARSE(v, args, err, ...)                                                         \
    parse(v, args, err, NARGS(__VA_ARGS__), ARGS(__VA_ARGS__))

static void test_values(void) {
    vals v;
    error err;
    opts_args a = {0};
    CHECK_EQ_INT(PARSE(&v, &a, &err, "-f", "--no-off", "-s", "3", "--big=-5", "--num",
                       "2.5", "--pos", "1e-9", "-ofile", "--choice", "nats-2p",
                       "--checked", "abc", "--list", "a,,b", "p1", "-", "p2"),
                 OPTS_OK);
    CHECK_EQ_INT(v.flag, 1);
    CHECK_EQ_INT(v.off, 0);
    CHECK_EQ_INT(v.small, 3);
    CHECK_EQ_INT(v.big, -5);
    CHECK(v.num == 2.5 && v.pos == 1e-9);
    CHECK_EQ_STR(v.str, "file");
    CHECK_EQ_STR(v.choice, "nats-2p");
    CHECK_EQ_STR(v.checked, "abc");
    CHECK_EQ_INT(v.list.n, 2);
    CHECK_EQ_STR(v.list.items[1], "b");
    CHECK_EQ_INT(a.n, 3);
    CHECK_EQ_STR(a.v[1], "-");
    CHECK_EQ_INT(a.split, -1);
    opts_args_free(&a);
    /* -s7 attached, 64-bit destination, "--" and the split */
    CHECK_EQ_INT(PARSE(&v, &a, &err, "-s7", "--big", "10000000000", "x", "--", "-f", "y"),
                 OPTS_OK);
    CHECK_EQ_INT(v.small, 7);
    CHECK_EQ_INT(v.big, 10000000000LL);
    CHECK_EQ_INT(v.flag, 0);
    CHECK_EQ_INT(a.n, 3);
    CHECK_EQ_INT(a.split, 1);
    CHECK_EQ_STR(a.v[1], "-f");
    opts_args_free(&a);
    /* after OPT_REST everything is positional */
    CHECK_EQ_INT(PARSE(&v, &a, &err, "--from", "-s", "99"), OPTS_OK);
    CHECK_EQ_INT(v.from, 1);
    CHECK_EQ_INT(a.n, 2);
    CHECK_EQ_INT(a.split, 0);
    opts_args_free(&a);
    /* help stops the parse; so does the first error */
    CHECK_EQ_INT(PARSE(&v, &a, &err, "--help", "--bogus"), OPTS_HELP);
    opts_args_free(&a);
    CHECK_EQ_INT(PARSE(&v, &a, &err, "--bogus", "-h"), -1);
    opts_args_free(&a);
}

/* 'argv' is refused with exactly 'msg'. */
#define REFUSED(msg, ...)                                                                \
    do {                                                                                 \
        vals v_;                                                                         \
        error e_;                                                                        \
        opts_args a_ = {0};                                                              \
        CHECK_EQ_INT(PARSE(&v_, &a_, &e_, __VA_ARGS__), -1);                             \
        CHECK_EQ_INT(e_.kind, ERR_INPUT);                                                \
        CHECK_EQ_STR(e_.text, msg);                                                      \
        opts_args_free(&a_);                                                             \
    } while (0)

static void test_errors(void) {
    REFUSED("-s: bad value '0' (expected an integer 1..8)", "-s", "0");
    REFUSED("--small: bad value '9' (expected an integer 1..8)", "--small=9");
    REFUSED("--small: bad value '2.5' (expected an integer 1..8)", "--small", "2.5");
    REFUSED("--small: bad value ' 3' (expected an integer 1..8)", "--small", " 3");
    REFUSED("--big: bad value '99999999999999999999' (expected an integer "
            "-5..10000000000)",
            "--big", "99999999999999999999");
    REFUSED("--num: bad value 'nan' (expected a number 0..1e+06)", "--num", "nan");
    REFUSED("--num: bad value 'inf' (expected a number 0..1e+06)", "--num", "inf");
    REFUSED("--num: bad value '-1' (expected a number 0..1e+06)", "--num", "-1");
    REFUSED("--pos: bad value '0' (expected a number > 0)", "--pos", "0");
    REFUSED("--choice: bad value 'nat' (expected one of nats, nats-2p)", "--choice",
            "nat");
    REFUSED("--checked: bad value 'x\\x27\\n' (expected no 'x')", "--checked", "x'\n");
    REFUSED("--list: bad value '' (expected a comma-separated list of 1..3 items)",
            "--list", "");
    REFUSED("--list: bad value 'a,b,c,d' (expected a comma-separated list of 1..3 items)",
            "--list", "a,b,c,d");
    REFUSED("--small needs a value", "--small");
    REFUSED("--flag takes no value", "--flag=1");
    REFUSED("unknown option '--frob' (see 'overhead cmd --help')", "--frob");
    REFUSED("unknown option '-fs' (see 'overhead cmd --help')", "-fs");
    REFUSED("unknown option '--sm' (see 'overhead cmd --help')", "--sm", "1");
    /* a command without positional arguments */
    vals v;
    error err;
    CHECK_EQ_INT(parse(&v, NULL, &err, 2, ARGS("stray")), -1);
    CHECK_EQ_STR(err.text, "unexpected argument 'stray'");
    /* a negative value is a value, not an option */
    opts_args a = {0};
    CHECK_EQ_INT(PARSE(&v, &a, &err, "--big", "-3"), OPTS_OK);
    CHECK_EQ_INT(v.big, -3);
    opts_args_free(&a);
}

/* The quoted word read back by sh is the original. */
static void test_shell_quote(void) {
    const char *words[] = {
        "plain", "", "it's", "x'; touch pwned; echo '", "a\nb", "$HOME `id` \"q\" \\"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char cmd[512] = "printf %s ", got[256] = "";
        CHECK(cli_shell_quote(cmd, sizeof cmd, words[i]) < sizeof cmd);
        FILE *p = popen(cmd, "r");
        size_t n = p ? fread(got, 1, sizeof got - 1, p) : 0;
        got[n] = '\0';
        CHECK(p != NULL && pclose(p) == 0);
        CHECK_EQ_STR(got, words[i]);
    }
    char small[8] = "ab";
    CHECK_EQ_INT(cli_shell_quote(small, sizeof small, "it's"), 2 + 9);
    CHECK_EQ_INT(strlen(small), 7);
}

static void test_fail(void) {
    error err;
    error_clear(&err);
    CHECK_EQ_INT(cli_fail("t", &err), 1); /* a failure never exits 0 */
    error_set(&err, ERR_INPUT, "bad");
    CHECK_EQ_INT(cli_fail("t", &err), 2);
    CHECK_EQ_INT(cli_failf("t", ERR_SYSTEM, "%s", "io"), 1);
}

int main(void) {
    test_values();
    test_errors();
    test_shell_quote();
    test_fail();
    return check_status();
}
