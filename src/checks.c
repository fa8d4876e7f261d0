/* checks.c — the whole configuration's checks, from the modules that own
 * the keys: above both, so that neither includes the other. */
#include "checks.h"
#include "keeper.h"
#include "login.h"

void
server_config_check(struct config *cfg, config_report_fn *report,
    void *ctx)
{
	keeper_config_check(cfg, report, ctx);
	login_config_check(cfg, report, ctx);
}
