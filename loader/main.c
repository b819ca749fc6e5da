// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bpftcp: extend Linux TCP with BPF.  Object/verb grammar in the style of
 * bpftool and ip: "bpftcp [OPTIONS] OBJECT COMMAND [ARGS]".
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "bpftcp/libbpftcp.h"
#include "apply.h"
#include "cc.h"
#include "opt.h"
#include "common.h"
#include "sockets.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: bpftcp [OPTIONS] OBJECT { COMMAND | help }\n"
		"OBJECT := { cc | opt | sockets | apply | reset | status | version | help }\n"
		"  cc       congestion controls: list, register, unregister, replace, stats\n"
		"  opt      TCP header options on cgroups: attach, detach, show (delack)\n"
		"  sockets  per-socket records: list [--cc NAME] [--port N] [-n NS | --all-netns],\n"
		"           attach|detach --cgroup PATH\n"
		"  apply    make the host match a configuration file: [-f FILE] [--dry-run]\n"
		"  reset    remove everything bpftcp made\n"
		"  status   bpffs location, what bpftcp has registered, the kernel features it needs\n"
		"OPTIONS := { -j|--json  -p|--pretty  -v|--verbose  -h|--help  -V|--version }\n"
		"  Options may come before or after OBJECT and COMMAND; '--' ends them.\n"
		"  -j  JSON on stdout: one document, {\"error\": ...} on failure; -p pretty JSON\n"
		"  -v  show libbpf and BPF verifier messages\n"
		"Commands and objects may be abbreviated when unambiguous (bpftcp cc reg cubic).\n"
		"Exit status: 0 success, 1 failed operation, 2 usage error (3: see bpftcp apply help).\n"
		"See bpftcp(8) and 'bpftcp OBJECT help'.\n");
}

static int do_help(int argc, char **argv)
{
	return print_usage(usage);
}

static int do_version(int argc, char **argv)
{
	if (argc > 0 && !strcmp(argv[0], "help"))
		return print_usage(usage);
	if (argc > 0)
		return p_usage_err("'version' takes no arguments (got '%s')", argv[0]);
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_kv_str(&g_json, "version", BPFTCP_VERSION);
		json_obj_close(&g_json);
		json_finish(&g_json);
	} else {
		printf("bpftcp %s\n", BPFTCP_VERSION);
	}
	return EXIT_OK;
}

/*
 * The "retained" part of status: BPF congestion controls that nothing
 * registers any more but that are still in kernel memory.  Text: one count
 * per name; JSON: "retained_cc": [{"name", "map_id"}...], or null with
 * "retained_cc_error" when they cannot be listed (not root).
 */
static void status_retained(void)
{
	enum { MAX_RETAINED = 4096 };
	struct bpftcp_cc_retained *r = calloc(MAX_RETAINED, sizeof(*r));
	int n = r ? bpftcp_cc_retained(r, MAX_RETAINED) : -ENOMEM;
	int shown = n < MAX_RETAINED ? n : MAX_RETAINED;

	if (g_opts.json) {
		json_key(&g_json, "retained_cc");
		if (n < 0) {
			json_null(&g_json);
			json_kv_str(&g_json, "retained_cc_error", strerror(-n));
		} else {
			json_arr_open(&g_json);
			for (int i = 0; i < shown; i++) {
				json_obj_open(&g_json);
				json_kv_str(&g_json, "name", r[i].name);
				json_kv_u64(&g_json, "map_id", r[i].map_id);
				json_obj_close(&g_json);
			}
			json_arr_close(&g_json);
		}
		free(r);
		return;
	}
	printf("retained:    ");
	if (n < 0) {
		printf(" (cannot list: %s)\n", strerror(-n));
	} else if (n == 0) {
		printf(" (none)\n");
	} else {
		/* One "name x count" per name, in order of first appearance. */
		for (int i = 0; i < shown; i++) {
			int count = 0, first = 1;

			for (int j = 0; j < shown; j++) {
				if (strcmp(r[j].name, r[i].name))
					continue;
				if (j < i)
					first = 0;
				count++;
			}
			if (first)
				printf(" %s x%d", r[i].name, count);
		}
		printf("\n              (unregistered but still in kernel memory: sockets still use them,\n"
		       "              or the kernel leaked a reference; see bpftcp(8))\n");
	}
	free(r);
}

/*
 * The kernel features bpftcp relies on, each probed (lib/probe.c), with
 * what a missing one disables.  bpftcp loads no tracing program: the
 * probe reports them because hardened hosts refuse them, and a user
 * comparing hosts may want to know.
 */
static const struct {
	const char *key;	/* JSON key */
	const char *label;	/* text */
	size_t offset;		/* in struct bpftcp_features */
	const char *disables;	/* when not present */
} features[] = {
	{ "struct_ops_cc", "struct_ops cc", offsetof(struct bpftcp_features, struct_ops_cc),
	  "'cc register' and 'cc replace' unavailable: no BPF congestion control can be registered" },
	{ "struct_ops_link", "struct_ops links", offsetof(struct bpftcp_features, struct_ops_link),
	  "'cc register' unavailable (registrations are pinned struct_ops links)" },
	{ "hdr_opt", "sockops hdr opts", offsetof(struct bpftcp_features, hdr_opt),
	  "'opt attach delack' unavailable" },
	{ "sk_storage", "sk_local_storage", offsetof(struct bpftcp_features, sk_storage),
	  "no per-socket records: every bpftcp object keeps them there, so 'cc register', "
	  "'opt attach' and 'sockets attach' are unavailable" },
	{ "sock_diag_storage", "sock_diag dump", offsetof(struct bpftcp_features, sock_diag_storage),
	  "'bpftcp sockets' cannot list records (it reads them through sock_diag); "
	  "applications can still read their own sockets' records by fd" },
	{ "tracing", "tracing progs", offsetof(struct bpftcp_features, tracing),
	  "nothing: bpftcp loads no tracing program" },
};

/* How HZ was found, in words. */
static const char *hz_method(const struct bpftcp_features *f)
{
	if (f->hz_source == (BPFTCP_HZ_JIFFIES | BPFTCP_HZ_CONFIG))
		return "bpf_jiffies64 against CLOCK_MONOTONIC, equal to CONFIG_HZ in /proc/config.gz";
	if (f->hz_source == BPFTCP_HZ_JIFFIES)
		return "bpf_jiffies64 against CLOCK_MONOTONIC (no /proc/config.gz)";
	if (f->hz_source == BPFTCP_HZ_CONFIG && f->hz_jiffies)
		return "CONFIG_HZ in /proc/config.gz; the jiffies measurement disagrees";
	if (f->hz_source == BPFTCP_HZ_CONFIG)
		return "CONFIG_HZ in /proc/config.gz (the jiffies measurement failed)";
	return "unknown: the jiffies measurement failed and there is no /proc/config.gz";
}

static void status_features_json(const struct bpftcp_features *f, int err)
{
	struct json *j = &g_json;

	json_key(j, "features");
	if (err) {
		json_null(j);
		json_kv_str(j, "features_error", strerror(-err));
		return;
	}
	json_obj_open(j);
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct bpftcp_feature *ft = (const void *)((const char *)f + features[i].offset);
		bool present = ft->state == BPFTCP_FEATURE_PRESENT;

		json_key(j, features[i].key);
		json_obj_open(j);
		json_kv_str(j, "state", bpftcp_feature_state_name(ft->state));
		json_key(j, "error");
		json_str(j, ft->err ? strerror(-ft->err) : NULL);
		json_key(j, "disables");
		json_str(j, present ? NULL : features[i].disables);
		json_obj_close(j);
	}
	json_key(j, "hz");
	json_obj_open(j);
	json_key(j, "value");
	f->hz ? json_u64(j, f->hz) : json_null(j);
	json_key(j, "method");
	json_arr_open(j);
	if (f->hz_source & BPFTCP_HZ_JIFFIES)
		json_str(j, "jiffies");
	if (f->hz_source & BPFTCP_HZ_CONFIG)
		json_str(j, "config");
	json_arr_close(j);
	json_key(j, "jiffies");
	f->hz_jiffies ? json_u64(j, f->hz_jiffies) : json_null(j);
	json_key(j, "config");
	f->hz_config ? json_u64(j, f->hz_config) : json_null(j);
	json_obj_close(j);
	json_obj_close(j);
}

static void status_features_text(const struct bpftcp_features *f, int err)
{
	if (err) {
		printf("features:     (cannot probe: %s%s)\n", strerror(-err),
		       err == -EPERM ? "; run as root" : "");
		return;
	}
	printf("features:\n");
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct bpftcp_feature *ft = (const void *)((const char *)f + features[i].offset);

		printf("  %-18s %s", features[i].label, bpftcp_feature_state_name(ft->state));
		if (ft->err)
			printf(" (%s)", strerror(-ft->err));
		if (ft->state != BPFTCP_FEATURE_PRESENT)
			printf(": %s", features[i].disables);
		putchar('\n');
	}
	if (f->hz)
		printf("  %-18s %u (%s)\n", "HZ", f->hz, hz_method(f));
	else
		printf("  %-18s %s\n", "HZ", hz_method(f));
}

static int do_status(int argc, char **argv)
{
	struct bpftcp_features f = { .sz = sizeof(f) };
	char root[4096], def[256] = "";
	bool have_root;
	int nreg = 0, ferr;

	if (argc > 0 && !strcmp(argv[0], "help"))
		return print_usage(usage);
	if (argc > 0)
		return p_usage_err("'status' takes no arguments (got '%s')", argv[0]);
	have_root = pin_root_lookup(root, sizeof(root)) == 0;
	bpftcp_cc_default_get(def, sizeof(def));
	if (g_opts.json) {
		json_obj_open(&g_json);
		json_kv_str(&g_json, "version", BPFTCP_VERSION);
		json_key(&g_json, "pin_root");
		if (have_root)
			json_str(&g_json, root);
		else
			json_null(&g_json);
		json_kv_str(&g_json, "default_cc", def);
		json_key(&g_json, "registered_cc");
		json_arr_open(&g_json);
	} else {
		printf("version:      %s\n", BPFTCP_VERSION);
		printf("pin root:     %s\n", have_root ? root : "(none: nothing registered yet)");
		printf("default cc:   %s\n", def);
		printf("registered:  ");
	}
	for (int i = 0; i < bpftcp_cc_count(); i++) {
		const struct bpftcp_cc_info *a = bpftcp_cc_get(i);

		if (bpftcp_cc_is_registered(a->name) != 1)
			continue;
		nreg++;
		if (g_opts.json)
			json_str(&g_json, a->kname);
		else
			printf(" %s", a->kname);
	}
	if (g_opts.json)
		json_arr_close(&g_json);
	else
		printf("%s\n", nreg ? "" : " (none)");
	status_retained();
	ferr = bpftcp_probe_features(&f);
	if (g_opts.json) {
		status_features_json(&f, ferr);
		json_obj_close(&g_json);
		json_finish(&g_json);
	} else {
		status_features_text(&f, ferr);
	}
	return EXIT_OK;
}

static const struct cmd main_cmds[] = {
	{ "cc",		do_cc },
	{ "opt",	do_opt },
	{ "sockets",	do_sockets },
	{ "apply",	do_apply },
	{ "reset",	do_reset },
	{ "status",	do_status },
	{ "version",	do_version },
	{ "help",	do_help },
	{ NULL, NULL }
};

int main(int argc, char **argv)
{
	char *help[] = { NULL, "help", NULL };
	int ret;

	argc = parse_global_opts(argc, argv, &g_opts);
	output_begin();
	libbpf_setup();
	lib_print_setup();
	if (argc < 0) {
		ret = EXIT_USAGE;
	} else if (g_opts.version) {
		ret = do_version(0, NULL);
	} else if (g_opts.help && argc > 1) {
		/* "bpftcp cc register -h": the object's help. */
		help[0] = argv[1];
		ret = cmd_dispatch(main_cmds, NULL, 2, help, usage);
	} else if (g_opts.help) {
		ret = do_help(0, NULL);
	} else if (argc < 2) {
		usage(stderr);
		ret = p_usage_err("missing OBJECT (see 'bpftcp help')");
	} else {
		ret = cmd_dispatch(main_cmds, NULL, argc - 1, argv + 1, usage);
	}
	return output_end(ret);
}
