/* main.c - the soundroom command: serve | scan | migrate | version, configured by flags,
 * SOUNDROOM_* environment variables and an optional config file (in rising precedence:
 * file, environment, flags). */
#include "app/admin_cli.h"
#include "app/hub.h"
#include "app/modules.h"
#include "net/reach.h"
#include "net/server.h"
#include "store/store.h"
#include "bus/bus.h" /* after store.h: the backends main.c names */
#include "util/log.h"
#include "util/util.h"

#include <errno.h>
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_ORIGINS 16

typedef struct config {
    char *host, *data, *store, *library, *web, *log_level, *chat_rate, *bus, *public_url,
        *trusted_proxies, *tls_cert, *tls_key;
    int port, max_queue, out_max_msgs, rx_buffer, send_threads, pin_threads, io_uring, libev, own_ws, guest_chat,
        guest_add, guest_vote, pw_ops, pw_mem_kib, header_timeout, header_pool, allow_private_urls, accept_burst;
    double session_days;
    double msg_rate, skip_ratio;
    long out_max_bytes;
    const char *origins[MAX_ORIGINS + 1];
    int norigins;
} config;

enum opt_type { O_STR, O_INT, O_DBL, O_LONG, O_ORIGIN };

static config cfg = {
    .port = 8080,
    .max_queue = 500,
    .out_max_msgs = 8192,
    .rx_buffer = 256,
    .header_timeout = 3,
    .accept_burst = 64,
    .send_threads = -1,
    .io_uring = 1,
    .libev = 1,
    .own_ws = 1,
    .msg_rate = 40,
    .skip_ratio = 0.5,
    .out_max_bytes = 4L * 1024 * 1024,
    .guest_chat = 1,
    .guest_add = 1,
    .guest_vote = 1,
    .pw_ops = 2,
    .pw_mem_kib = 65536,
    .session_days = 30,
};

static const struct option_def {
    const char *name;
    enum opt_type type;
    void *ptr;
    const char *help;
} options[] = {
    {"host", O_STR, &cfg.host, "interface to listen on (default: all)"},
    {"port", O_INT, &cfg.port, "TCP port (default 8080)"},
    {"data", O_STR, &cfg.data, "data directory (default ./data)"},
    {"store", O_STR, &cfg.store, "store DSN: sqlite:PATH (default sqlite:DATA/soundroom.db)"},
    {"bus", O_STR, &cfg.bus, "fan-out bus between nodes: local (default)"},
    {"library", O_STR, &cfg.library, "music directory to scan and serve"},
    {"web", O_STR, &cfg.web, "web client directory (default web/dist)"},
    {"allow-origin", O_ORIGIN, NULL,
     "extra allowed Origin for WebSockets and cookie-signed changes (repeatable)"},
    {"public-url", O_STR, &cfg.public_url,
     "address for links and Origins, http(s)://host[:port][/path] (default: request's Host)"},
    {"trusted-proxies", O_STR, &cfg.trusted_proxies,
     "IPs/CIDRs whose X-Forwarded-For/-Proto are believed, comma-separated (default: none)"},
    {"tls-cert", O_STR, &cfg.tls_cert,
     "PEM certificate (chain): serve https and wss on the port (with --tls-key)"},
    {"tls-key", O_STR, &cfg.tls_key, "PEM private key of --tls-cert"},
    {"chat-rate", O_STR, &cfg.chat_rate, "chat messages per person, N/SECONDS (default 10/10)"},
    {"msg-rate", O_DBL, &cfg.msg_rate, "messages per second per connection (default 40)"},
    {"skip-ratio", O_DBL, &cfg.skip_ratio, "share of listeners needed to skip (default 0.5)"},
    {"max-queue", O_INT, &cfg.max_queue, "queue entries per room (default 500)"},
    {"out-max-bytes", O_LONG, &cfg.out_max_bytes,
     "outbound bytes queued per client (default 4 MiB)"},
    {"out-max-msgs", O_INT, &cfg.out_max_msgs,
     "outbound messages queued per client (default 8192)"},
    {"rx-buffer", O_INT, &cfg.rx_buffer, "libwebsockets' receive buffer per connection it carries, bytes (default 256)"},
    {"header-timeout", O_INT, &cfg.header_timeout,
     "seconds a connection has to send a request's headers (default 3)"},
    {"accept-burst", O_INT, &cfg.accept_burst,
     "connections accepted per pass of the event loop at most (default 64; 0: all queued)"},
    {"header-pool", O_INT, &cfg.header_pool,
     "requests whose headers are read at once (default 0: one per open-file slot)"},
    {"send-threads", O_INT, &cfg.send_threads,
     "threads that help send a fan-out (default: one per usable CPU less one, at most 3; 0: none)"},
    {"pin-threads", O_INT, &cfg.pin_threads,
     "1: pin the service thread and each send thread to its own CPU (default 0)"},
    {"libev", O_INT, &cfg.libev,
     "1: serve on an epoll loop (libev; default), 0: on libwebsockets' poll() loop"},
    {"own-ws", O_INT, &cfg.own_ws,
     "1: carry WebSockets on soundroom's own layer when serving plain HTTP on libev (default), "
     "0: on libwebsockets'"},
    {"io-uring", O_INT, &cfg.io_uring,
     "1: send fan-outs in io_uring batches where the kernel allows (default 1), 0: send()"},
    {"guest-chat", O_INT, &cfg.guest_chat,
     "1: guests (no account) may chat, 0: may not (default 1)"},
    {"guest-add", O_INT, &cfg.guest_add, "1: guests may queue tracks (default 1)"},
    {"guest-vote", O_INT, &cfg.guest_vote, "1: guests may vote (default 1)"},
    {"pw-ops", O_INT, &cfg.pw_ops, "argon2id passes for new password hashes (default 2)"},
    {"pw-mem-kib", O_INT, &cfg.pw_mem_kib, "argon2id memory for new hashes, KiB (default 65536)"},
    {"session-days", O_DBL, &cfg.session_days, "sign-in sessions last this many days (default 30)"},
    {"allow-private-urls", O_INT, &cfg.allow_private_urls,
     "1: stream URLs may lead to loopback, private and link-local addresses (default 0)"},
    {"log-level", O_STR, &cfg.log_level, "debug | info | warn | error (default info)"},
};
#define NOPTIONS ((int)(sizeof options / sizeof options[0]))

#define HELP_WIDTH 80 /* columns of --help, which every line fits */
#define HELP_COL 28   /* where every option's text starts */

/* Prints "  LEFT" and then text from column HELP_COL, wrapped at spaces to HELP_WIDTH; a LEFT
 * that reaches the column gets its text on the next line, so the two never run together. */
static void help_line(FILE *f, const char *left, const char *text)
{
    int n = fprintf(f, "  %s", left);
    if (n > HELP_COL - 2) {
        fputc('\n', f);
        n = 0;
    }
    const int room = HELP_WIDTH - HELP_COL;
    while (*text) {
        fprintf(f, "%*s", HELP_COL - n, "");
        n = 0;
        size_t len = strlen(text), cut = len;
        if ((int)len > room) { /* the last space that fits, else a word longer than the room */
            cut = (size_t)room;
            while (cut > 0 && text[cut] != ' ')
                cut--;
            if (!cut) cut = strcspn(text, " ");
        }
        fprintf(f, "%.*s\n", (int)cut, text);
        text += cut;
        while (*text == ' ')
            text++;
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: soundroom <command> [options]\n\n"
               "commands:\n");
    help_line(f, "serve", "run the server");
    help_line(f, "scan DIR", "scan a music directory into the store and exit");
    help_line(f, "migrate", "create or upgrade the store's schema and exit");
    help_line(f, "user VERB [NAME]",
              "accounts: add, list, passwd, disable, enable, promote, demote (password from "
              "SOUNDROOM_PASSWORD or stdin)");
    help_line(f, "version", "print the version");
    fprintf(f, "\noptions (also SOUNDROOM_<NAME> in the environment, or NAME = VALUE lines in\n"
               "--config FILE; flags win over the environment, which wins over the file):\n");
    help_line(f, "--config FILE", "read options from FILE");
    for (int i = 0; i < NOPTIONS; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s %s", options[i].name,
                 options[i].type == O_INT || options[i].type == O_LONG ? "N"
                 : options[i].type == O_DBL                            ? "X"
                                                                       : "VALUE");
        help_line(f, left, options[i].help);
    }
}

static int set_option(const char *name, const char *value, const char *where)
{
    for (int i = 0; i < NOPTIONS; i++) {
        if (strcmp(name, options[i].name)) continue;
        char *end = NULL;
        errno = 0;
        switch (options[i].type) {
        case O_STR:
            free(*(char **)options[i].ptr);
            *(char **)options[i].ptr = sr_xstrdup(value);
            return 0;
        case O_INT:
        case O_LONG: {
            long v = strtol(value, &end, 10);
            if (errno || !*value || *end || v < 0) break;
            if (options[i].type == O_INT)
                *(int *)options[i].ptr = (int)v;
            else
                *(long *)options[i].ptr = v;
            return 0;
        }
        case O_DBL: {
            double v = strtod(value, &end);
            if (errno || !*value || *end || v < 0) break;
            *(double *)options[i].ptr = v;
            return 0;
        }
        case O_ORIGIN:
            if (cfg.norigins == MAX_ORIGINS) break;
            cfg.origins[cfg.norigins++] = sr_xstrdup(value);
            return 0;
        }
        fprintf(stderr, "soundroom: bad value '%s' for %s (%s)\n", value, name, where);
        return -1;
    }
    fprintf(stderr, "soundroom: unknown option '%s' (%s)\n", name, where);
    return -1;
}

static int read_config_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "soundroom: cannot read config %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#') continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            fprintf(stderr, "soundroom: %s:%d: expected NAME = VALUE\n", path, lineno);
            rc = -1;
            continue;
        }
        char *k_end = eq;
        while (k_end > p && isspace((unsigned char)k_end[-1]))
            k_end--;
        *k_end = 0;
        char *v = eq + 1;
        while (isspace((unsigned char)*v))
            v++;
        size_t n = strlen(v);
        while (n && isspace((unsigned char)v[n - 1]))
            v[--n] = 0;
        char where[64];
        snprintf(where, sizeof where, "%s:%d", path, lineno);
        if (set_option(p, v, where)) rc = -1;
    }
    fclose(f);
    return rc;
}

static int read_env(void)
{
    for (int i = 0; i < NOPTIONS; i++) {
        char env[64] = "SOUNDROOM_";
        size_t n = strlen(env);
        for (const char *p = options[i].name; *p && n < sizeof env - 1; p++)
            env[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
        env[n] = 0;
        const char *v = getenv(env);
        if (v && set_option(options[i].name, v, env)) return -1;
    }
    return 0;
}

/* Parses argv[first..]: --name value or --name=value; positional arguments go to *pos. */
static int parse_args(int argc, char **argv, int first, const char **pos, int maxpos, int *npos)
{
    const char *config_file = NULL;
    for (int i = first; i < argc; i++)
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            config_file = argv[i + 1];
        else if (!strncmp(argv[i], "--config=", 9))
            config_file = argv[i] + 9;
    if (!config_file) config_file = getenv("SOUNDROOM_CONFIG");
    if (config_file && read_config_file(config_file)) return -1;
    if (read_env()) return -1;
    *npos = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        }
        if (strncmp(a, "--", 2)) {
            if (*npos == maxpos) {
                fprintf(stderr, "soundroom: unexpected argument '%s'\n", a);
                return -1;
            }
            pos[(*npos)++] = a;
            continue;
        }
        char name[64];
        const char *value, *eq = strchr(a, '=');
        if (eq) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - a - 2), a + 2);
            value = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a + 2);
            if (i + 1 >= argc) {
                fprintf(stderr, "soundroom: option --%s needs a value\n", name);
                return -1;
            }
            value = argv[++i];
        }
        if (!strcmp(name, "config")) continue;
        if (set_option(name, value, "command line")) return -1;
    }
    return 0;
}

/* Opens the store of --store; on failure says so (the backend logged why) and returns SR_E*. */
static int open_store(sr_store **st)
{
    int rc = sr_store_open(cfg.store, st);
    if (rc)
        fprintf(stderr, "soundroom: cannot open the store '%s': %s\n", cfg.store, sr_strerror(rc));
    return rc;
}

static int finish_config(sr_hub_config *hc)
{
    if (cfg.log_level) {
        int lvl = sr_log_parse_level(cfg.log_level);
        if (lvl < 0) {
            fprintf(stderr, "soundroom: bad --log-level '%s'\n", cfg.log_level);
            return -1;
        }
        sr_log_set_level((enum sr_log_level)lvl);
    }
    if (!cfg.data) cfg.data = sr_xstrdup("data");
    if (!cfg.web) cfg.web = sr_xstrdup("web/dist");
    if (!cfg.store) {
        size_t n = strlen(cfg.data) + 32;
        cfg.store = sr_xmalloc(n);
        snprintf(cfg.store, n, "sqlite:%s/soundroom.db", cfg.data);
        if (mkdir(cfg.data, 0755) && errno != EEXIST) {
            fprintf(stderr, "soundroom: cannot create %s: %s\n", cfg.data, strerror(errno));
            return -1;
        }
    }
    hc->skip_ratio = cfg.skip_ratio > 0 && cfg.skip_ratio <= 1 ? cfg.skip_ratio : 0.5;
    hc->chat_rate = 10;
    hc->chat_window_s = 10;
    if (cfg.chat_rate) {
        int n;
        double secs;
        if (sscanf(cfg.chat_rate, "%d/%lf", &n, &secs) != 2 || n < 1 || secs <= 0) {
            fprintf(stderr, "soundroom: bad --chat-rate '%s' (want N/SECONDS)\n", cfg.chat_rate);
            return -1;
        }
        hc->chat_rate = n;
        hc->chat_window_s = secs;
    }
    hc->msg_rate = cfg.msg_rate > 0 ? cfg.msg_rate : 40;
    hc->out_max_bytes = (size_t)cfg.out_max_bytes;
    hc->out_max_msgs = cfg.out_max_msgs > 0 ? cfg.out_max_msgs : 8192;
    hc->max_queue = cfg.max_queue > 0 ? cfg.max_queue : 500;
    hc->guest_chat = cfg.guest_chat != 0;
    hc->guest_add = cfg.guest_add != 0;
    hc->guest_vote = cfg.guest_vote != 0;
    hc->pw_ops = cfg.pw_ops >= 1 ? (unsigned long long)cfg.pw_ops : 1;
    hc->pw_mem = (size_t)(cfg.pw_mem_kib >= 8 ? cfg.pw_mem_kib : 8) * 1024;
    hc->session_days = cfg.session_days > 0 ? cfg.session_days : 30;
    hc->allow_private_urls = cfg.allow_private_urls != 0;
    hc->bus_url = cfg.bus ? cfg.bus : "local";
    hc->public_url = NULL;              /* serve sets it, checked (net/reach.h) */
    if (!sr_bus_for_url(hc->bus_url)) { /* the backend is chosen by name, never a fallback */
        char known[128];
        sr_log(SR_LOG_ERROR, "unknown bus backend", "url=\"%s\" known=\"%s\"", hc->bus_url,
               sr_bus_known(known, sizeof known));
        fprintf(stderr, "soundroom: unknown --bus '%s' (this build knows: %s)\n", hc->bus_url,
                known);
        return -1;
    }
    return 0;
}

/* The features this server runs, in the order the kernel calls them. Every one registers its
 * routes, message types and event listeners with the kernel; nothing else names them. */
static const sr_module *const modules[] = {
    &sr_module_accounts, &sr_module_friends, &sr_module_avatars, &sr_module_moderation,
    &sr_module_likes,    &sr_module_lobby,   &sr_module_stats,   &sr_module_playlists,
    &sr_module_import,   &sr_module_rooms,   &sr_module_library, &sr_module_party,
    &sr_module_sync,     &sr_module_unplayable, NULL,
};

static int cmd_serve(void)
{
    sr_hub_config hc;
    if (finish_config(&hc)) return 2;
    sr_reach *reach;
    char err[200];
    if (sr_reach_new(cfg.public_url, cfg.trusted_proxies, cfg.origins, &reach, err, sizeof err)) {
        fprintf(stderr, "soundroom: %s\n", err);
        return 2;
    }
    hc.public_url = sr_reach_configured_url(reach);
    if (!cfg.tls_cert != !cfg.tls_key) {
        fprintf(stderr, "soundroom: --tls-cert and --tls-key go together\n");
        sr_reach_free(reach);
        return 2;
    }
    sr_store *st;
    if (open_store(&st)) {
        sr_reach_free(reach);
        return 1;
    }
    sr_server_config sc = {
        .host = cfg.host,
        .port = cfg.port,
        .web_dir = cfg.web,
        .reach = reach,
        .rx_buffer = cfg.rx_buffer,
        .header_timeout = cfg.header_timeout,
        .header_pool = cfg.header_pool,
        .accept_burst = cfg.accept_burst,
        .send_threads = cfg.send_threads,
        .pin_threads = cfg.pin_threads,
        .io_uring = cfg.io_uring,
        .libev = cfg.libev,
        .own_ws = cfg.own_ws,
        .tls_cert = cfg.tls_cert,
        .tls_key = cfg.tls_key,
        .modules = modules,
    };
    sr_server *srv = sr_server_new(&sc, &hc, st, cfg.library);
    if (!srv) {
        st->ops->close(st);
        sr_reach_free(reach);
        return 1;
    }
    int rc = sr_server_run(srv);
    sr_server_free(srv);
    st->ops->close(st);
    sr_reach_free(reach);
    sr_log(SR_LOG_INFO, "stopped", NULL);
    return rc;
}

static int cmd_scan(const char *dir)
{
    sr_hub_config hc;
    if (finish_config(&hc)) return 2;
    sr_store *st;
    if (open_store(&st)) return 1;
    sr_hub_net net = {0};
    sr_hub *h = sr_hub_new(&hc, st, &net);
    int n = sr_hub_scan_library(h, dir);
    sr_hub_free(h);
    st->ops->close(st);
    if (n < 0) return 1;
    printf("%d tracks\n", n);
    return 0;
}

static int cmd_migrate(void)
{
    sr_hub_config hc;
    if (finish_config(&hc)) return 2;
    sr_store *st;
    if (open_store(&st)) return 1;
    printf("schema version %d\n", st->ops->schema_version(st));
    st->ops->close(st);
    return 0;
}

static int cmd_user(const char *verb, const char *name)
{
    sr_hub_config hc;
    if (finish_config(&hc)) return 2;
    sr_store *st;
    if (open_store(&st)) return 1;
    int rc = sr_admin_user(st, &hc, verb, name);
    st->ops->close(st);
    return rc;
}

static void free_config(void)
{
    free(cfg.host);
    free(cfg.data);
    free(cfg.store);
    free(cfg.library);
    free(cfg.web);
    free(cfg.log_level);
    free(cfg.chat_rate);
    free(cfg.bus);
    free(cfg.public_url);
    free(cfg.trusted_proxies);
    for (int i = 0; i < cfg.norigins; i++)
        free((char *)cfg.origins[i]);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "soundroom: libsodium failed to initialise\n");
        return 1;
    }
    const char *cmd = argv[1], *pos[2];
    int npos, rc;
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("soundroom %s\n", SR_VERSION);
        return 0;
    }
    if (parse_args(argc, argv, 2, pos, 2, &npos)) return 2;
    if (!strcmp(cmd, "serve") && npos == 0) {
        rc = cmd_serve();
    } else if (!strcmp(cmd, "scan") && npos == 1) {
        rc = cmd_scan(pos[0]);
    } else if (!strcmp(cmd, "user") && npos >= 1) {
        rc = cmd_user(pos[0], npos > 1 ? pos[1] : NULL);
    } else if (!strcmp(cmd, "migrate") && npos == 0) {
        rc = cmd_migrate();
    } else {
        usage(stderr);
        rc = 2;
    }
    free_config();
    return rc;
}
