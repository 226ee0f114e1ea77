/* SPDX-License-Identifier: BSD-3-Clause */
/* sanitize-log and self-test-log: the logs of long-running operations. */
#include <string.h>

#include "cli.h"

static const char *sstat_str(uint16_t s)
{
	switch (PNVME_SSTAT_STATE(s)) {
	case PNVME_SSTAT_NEVER:
		return "NVM Subsystem has never been sanitized.";
	case PNVME_SSTAT_COMPLETED:
		return "Most Recent Sanitize Command Completed Successfully.";
	case PNVME_SSTAT_IN_PROGRESS:
		return "Sanitize in Progress.";
	case PNVME_SSTAT_FAILED:
		return "Most Recent Sanitize Command Failed.";
	case PNVME_SSTAT_COMPLETED_ND:
		return "Most Recent Sanitize Command (No-Deallocate After Sanitize) Completed "
		       "Successfully.";
	default:
		return "Unknown";
	}
}

int cmd_sanitize_log(struct cli *cli, int argc, char **argv)
{
	bool rae = false;
	struct cli_opt opts[] = {
		{"rae", 'r', OPT_FLAG, &rae, "retain the asynchronous event", false},
		OPT_END,
	};
	struct pnvme_sanitize_log l;
	struct pnvme_cpl cpl;
	char status[160];
	int rc = cli_parse(cli, argc, argv, opts, true, false, "DEVICE [options]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (cli_open(cli) != 0)
		return 1;
	rc = pnvme_ctrlr_get_log_page(cli->c, PNVME_LOG_PAGE_SANITIZE, 0, &l, sizeof(l), 0,
				      rae ? PNVME_GET_LOG_RAE : 0, &cpl);
	if (rc != 0)
		return cli_fail_rc(cli, "sanitize log", rc, &cpl);
	if (cli->fmt == CLI_BINARY)
		return cli_binary(cli, &l, sizeof(l));
	snprintf(status, sizeof(status), "(%u) %s", PNVME_SSTAT_STATE(l.sstat), sstat_str(l.sstat));
	if (cli->fmt == CLI_JSON) {
		struct json_writer w;

		json_init(&w, stdout);
		json_object_begin(&w, NULL);
		json_object_begin(&w, cli->devname);
		json_uint(&w, "sprog", l.sprog);
		json_object_begin(&w, "sstat");
		json_uint(&w, "global_erased", (l.sstat & PNVME_SSTAT_GLOBAL_ERASED) >> 8);
		json_uint(&w, "no_cmplted_passes", PNVME_SSTAT_PASSES(l.sstat));
		json_string(&w, "status", status);
		json_object_end(&w);
		json_uint(&w, "cdw10_info", l.scdw10);
		json_uint(&w, "time_over_write", l.eto);
		json_uint(&w, "time_block_erase", l.etbe);
		json_uint(&w, "time_crypto_erase", l.etce);
		json_uint(&w, "time_over_write_no_dealloc", l.etond);
		json_uint(&w, "time_block_erase_no_dealloc", l.etbend);
		json_uint(&w, "time_crypto_erase_no_dealloc", l.etcend);
		json_object_end(&w);
		json_object_end(&w);
		json_finish(&w);
		return 0;
	}
	printf("Sanitize Progress                      (SPROG) :  %u", l.sprog);
	if (PNVME_SSTAT_STATE(l.sstat) == PNVME_SSTAT_IN_PROGRESS)
		printf(" (%u%%)", (unsigned)((uint64_t)l.sprog * 100 / 65536));
	printf("\nSanitize Status                        (SSTAT) :  %#x %s\n", l.sstat, status);
	printf("Sanitize Command Dword 10 Information (SCDW10) :  %#x\n", l.scdw10);
	printf("Estimated Time For Overwrite                   :  %u\n", l.eto);
	printf("Estimated Time For Block Erase                 :  %u\n", l.etbe);
	printf("Estimated Time For Crypto Erase                :  %u\n", l.etce);
	return 0;
}

int cmd_self_test_log(struct cli *cli, int argc, char **argv)
{
	uint64_t entries = 20;
	struct cli_opt opts[] = {
		{"log-entries", 'e', OPT_NUM, &entries, "results to show (1..20)", false},
		OPT_END,
	};
	struct pnvme_self_test_log l;
	struct pnvme_cpl cpl;
	int rc = cli_parse(cli, argc, argv, opts, true, false, "DEVICE [-e N] [options]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (entries == 0 || entries > 20)
		return cli_fail(cli, "log-entries %llu is out of range (1..20)",
				(unsigned long long)entries);
	if (cli_open(cli) != 0)
		return 1;
	rc = pnvme_ctrlr_get_log_page(cli->c, PNVME_LOG_PAGE_SELF_TEST, 0, &l, sizeof(l), 0, 0,
				      &cpl);
	if (rc != 0)
		return cli_fail_rc(cli, "self-test log", rc, &cpl);
	if (cli->fmt == CLI_BINARY)
		return cli_binary(cli, &l, sizeof(l));
	if (cli->fmt == CLI_JSON) {
		struct json_writer w;

		json_init(&w, stdout);
		json_object_begin(&w, NULL);
		json_uint(&w, "Current Device Self-Test Operation", l.current_operation);
		json_uint(&w, "Current Device Self-Test Completion", l.completion);
		json_array_begin(&w, "List of Valid Reports");
		for (unsigned i = 0; i < entries; i++) {
			const struct pnvme_self_test_result *r = &l.result[i];

			json_object_begin(&w, NULL);
			json_uint(&w, "Self test result", r->dsts & 0xf);
			if ((r->dsts & 0xf) != PNVME_DST_RESULT_UNUSED) {
				json_uint(&w, "Self test code", r->dsts >> 4);
				json_uint(&w, "Segment number", r->seg);
				json_uint(&w, "Valid Diagnostic Information", r->vdi);
				json_uint(&w, "Power on hours", r->poh);
				if (r->vdi & 1)
					json_uint(&w, "Namespace Identifier", r->nsid);
				if (r->vdi & 2)
					json_uint(&w, "Failing LBA", r->flba);
				if (r->vdi & 4)
					json_uint(&w, "Status Code Type", r->sct);
				if (r->vdi & 8)
					json_uint(&w, "Status Code", r->sc);
				json_uint(&w, "Vendor Specific", (unsigned)r->vs[1] << 8 | r->vs[0]);
			}
			json_object_end(&w);
		}
		json_array_end(&w);
		json_object_end(&w);
		json_finish(&w);
		return 0;
	}
	printf("Device Self Test Log for NVME device:%s\n", cli->devname);
	printf("Current operation  : %#x\nCurrent Completion : %u%%\n", l.current_operation,
	       l.completion);
	for (unsigned i = 0; i < entries; i++) {
		const struct pnvme_self_test_result *r = &l.result[i];
		static const char *res[] = {"Operation completed without error",
					    "Operation was aborted by a Device Self-test command",
					    "Operation was aborted by a Controller Level Reset"};
		const unsigned nres = sizeof(res) / sizeof(res[0]);

		if ((r->dsts & 0xf) == PNVME_DST_RESULT_UNUSED)
			continue;
		printf("Self Test Result[%u]:\n  Operation Result   : %#x%s%s\n  Self Test Code     : "
		       "%#x\n  Power on hours     : %llu\n", i, r->dsts & 0xf,
		       (r->dsts & 0xf) < nres ? " " : "",
		       (r->dsts & 0xf) < nres ? res[r->dsts & 0xf] : "",
		       r->dsts >> 4, (unsigned long long)r->poh);
		if (r->vdi & 1)
			printf("  Namespace Identifier : %#x\n", r->nsid);
	}
	return 0;
}
