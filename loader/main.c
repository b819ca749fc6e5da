// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bpftcp: extend Linux TCP with BPF.  Object/verb grammar in the style of
 * bpftool and ip: "bpftcp [OPTIONS] OBJECT COMMAND [ARGS]".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cc.h"
#include "opt.h"
#include "common.h"
#include "sockets.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: bpftcp [OPTIONS] OBJECT { COMMAND | help }\n"
		"OBJECT := { cc | opt | sockets | status | version | help }\n"
		"  cc       congestion controls: list, register, unregister, replace, stats\n"
		"  opt      TCP header options on cgroups: attach, detach, show (delack)\n"
		"  sockets  per-socket records: list [--cc NAME] [--port N], attach|detach --cgroup PATH\n"
		"  status   bpffs location and what bpftcp has registered\n"
		"OPTIONS := { -j|--json  -p|--pretty  -v|--verbose  -h|--help  -V|--version }\n"
		"  -j  JSON on stdout (always valid JSON); -p pretty JSON\n"
		"  -v  show libbpf and BPF verifier messages\n"
		"Commands and objects may be abbreviated when unambiguous (bpftcp cc reg cubic).\n"
		"Exit status: 0 success, 1 failed operation, 2 usage error.\n"
		"See bpftcp(8) and 'bpftcp OBJECT help'.\n");
}

static int do_help(int argc, char **argv)
{
	usage(stdout);
	return EXIT_OK;
}

static int do_version(int argc, char **argv)
{
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
	struct cc_retained *r = calloc(MAX_RETAINED, sizeof(*r));
	int n = r ? cc_retained_maps(r, MAX_RETAINED) : -ENOMEM;
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

static int do_status(int argc, char **argv)
{
	char root[4096], def[256] = "";
	bool have_root;
	int nreg = 0;

	if (argc > 0)
		return p_usage_err("'status' takes no arguments");
	have_root = pin_root_lookup(root, sizeof(root)) == 0;
	sysctl_read(SYSCTL_CC_DEFAULT, def, sizeof(def));
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
	for (int i = 0; i < cc_algos_cnt; i++) {
		if (!cc_is_registered(&cc_algos[i]))
			continue;
		nreg++;
		if (g_opts.json)
			json_str(&g_json, cc_algos[i].kname);
		else
			printf(" %s", cc_algos[i].kname);
	}
	if (g_opts.json)
		json_arr_close(&g_json);
	else
		printf("%s\n", nreg ? "" : " (none)");
	status_retained();
	if (g_opts.json) {
		json_obj_close(&g_json);
		json_finish(&g_json);
	}
	return EXIT_OK;
}

static const struct cmd main_cmds[] = {
	{ "cc",		do_cc },
	{ "opt",	do_opt },
	{ "sockets",	do_sockets },
	{ "status",	do_status },
	{ "version",	do_version },
	{ "help",	do_help },
	{ NULL, NULL }
};

int main(int argc, char **argv)
{
	int first;

	first = parse_global_opts(argc, argv, &g_opts);
	if (first == -1)
		return EXIT_USAGE;
	if (first == -2) {
		usage(stdout);
		return EXIT_OK;
	}
	if (first == -3)
		return do_version(0, NULL);
	json_init(&g_json, stdout, g_opts.pretty);
	libbpf_setup();
	if (first >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return cmd_dispatch(main_cmds, NULL, argc - first, argv + first, usage);
}
