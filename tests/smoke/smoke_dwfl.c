/* elfutils libdwfl links and works: report this process's modules and
 * resolve the address of main() back to the name "main". */
#include "check.h"

#include <elfutils/libdwfl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static char *debuginfo_path = NULL;
static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .debuginfo_path = &debuginfo_path,
};

int main(void) {
    Dwfl *dwfl = dwfl_begin(&callbacks);
    CHECK(dwfl != NULL);
    if (dwfl == NULL)
        return check_status();
    CHECK_EQ_INT(dwfl_linux_proc_report(dwfl, getpid()), 0);
    CHECK_EQ_INT(dwfl_report_end(dwfl, NULL, NULL), 0);
    Dwarf_Addr addr = (Dwarf_Addr)(uintptr_t)&main;
    Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
    CHECK_MSG(mod != NULL, "%s", dwfl_errmsg(-1));
    if (mod != NULL) {
        GElf_Off off = 0;
        GElf_Sym sym;
        const char *name = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL);
        CHECK_EQ_STR(name, "main");
        CHECK_EQ_INT(off, 0);
        CHECK(sym.st_size > 0);
    }
    dwfl_end(dwfl);
    return check_status();
}
