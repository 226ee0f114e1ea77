/* Placeholder until lib/sim lands. */
#include <errno.h>
#include "../env/pci.h"
static int sim_attach(const char *addr, const char *params, struct env_pci_dev **out)
{
	(void)addr; (void)params; (void)out;
	return -ENOTSUP;
}
struct env_pci_transport sim_pci_transport = {.name = "sim", .attach = sim_attach};
