"""make module-check: the DragonFly module (vmm.ko) build, checked on Linux.

Step 1 needs nothing but gcc: every hv/ source compiled with DragonFly's
kernel-module flags and warnings (-Werror) and nothing but hv_os.h called.
Step 2 needs DFLY_SYSDIR=<DragonFly src>/sys: hv/ and hv/dragonfly/ compiled
against that tree as bsd.kmod.mk does, linked into vmm.ko, and every
undefined symbol traced to a definition in a standard kernel file.

The negative tests run the same script on a copy of hv/ with one defect
added, to show that each kind of defect is caught.
"""
import os
import re
import shutil
import subprocess

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT_REL = os.path.join("hv", "dragonfly", "module-check.sh")


def run_check(top, outdir, sysdir=None):
    env = dict(os.environ)
    env.pop("DFLY_SYSDIR", None)
    if sysdir:
        env["DFLY_SYSDIR"] = sysdir
    p = subprocess.run([os.path.join(top, SCRIPT_REL), str(outdir)], cwd=top, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=110)
    return p.returncode, p.stdout


def hv_copy(tmp_path):
    """A private copy of hv/ (with the script) to plant a defect in."""
    top = tmp_path / "tree"
    shutil.copytree(os.path.join(TOP, "hv"), str(top / "hv"),
                    ignore=shutil.ignore_patterns("*.o", "*.d", "*.ko"))
    return str(top)


def test_make_module_check():
    """The target as CI runs it: step 1 passes, step 2 says why it is skipped."""
    env = dict(os.environ)
    env.pop("DFLY_SYSDIR", None)
    p = subprocess.run(["make", "--no-print-directory", "module-check"], cwd=TOP, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=110)
    out = p.stdout
    assert p.returncode == 0, out
    m = re.search(r"step 1: (\d+)/(\d+) hv/ sources compiled", out)
    assert m and m.group(1) == m.group(2) and int(m.group(2)) > 0, out
    assert "step 1: hv/ undefined symbols are all hv_os.h or mem*" in out, out
    m = re.search(r"step 1: hosted /dev/vmm test .*: (\d+) rounds, 2 vCPU threads: "
                  r"(\d+) had run before it \((\d+) met it inside a run in the guest\), "
                  r"(\d+) refused.*vmmdev: (\d+) checks, 0 failed", out)
    assert m, out
    rounds, ran, met, refused, checks = (int(x) for x in m.groups())
    assert rounds >= 400 and ran + refused == 2 * rounds and met > 0 and checks > 50, out
    assert "step 2: SKIPPED: DFLY_SYSDIR is not set" in out, out
    assert out.rstrip().endswith("module-check: PASS"), out


def test_module_check_dragonfly_tree(tmp_path):
    sysdir = os.environ.get("DFLY_SYSDIR")
    if not sysdir:
        pytest.skip("DFLY_SYSDIR is not set: no DragonFly src/sys tree to build vmm.ko against")
    if not os.path.isfile(os.path.join(sysdir, "conf", "kmod.mk")):
        pytest.skip("DFLY_SYSDIR=%s is not a DragonFly sys/ tree (no conf/kmod.mk)" % sysdir)
    rc, out = run_check(TOP, tmp_path / "mc", sysdir)
    assert rc == 0, out
    assert "FAIL" not in out, out
    assert re.search(r"step 2: (\d+)/\1 sources compiled against", out), out
    assert "load handler vmm_modevent and module metadata _md_vmm present" in out, out
    assert ", 0 clash with the kernel's" in out, out
    ko = tmp_path / "mc" / "dfly" / "vmm.ko"
    assert ko.is_file()
    # Our own look at the result: a relocatable ELF whose undefined symbols
    # the script traced one by one.
    hdr = subprocess.run(["readelf", "-h", str(ko)], stdout=subprocess.PIPE,
                         universal_newlines=True, check=True).stdout
    assert "REL (Relocatable file)" in hdr and "X86-64" in hdr
    undef = subprocess.run(["nm", "-u", str(ko)], stdout=subprocess.PIPE,
                           universal_newlines=True, check=True).stdout.split()
    undef = [s for s in undef if s != "U"]
    assert undef
    for s in undef:
        assert re.search(r"undef %s -> " % re.escape(s), out), (s, out)


def check_with_bad_file(tmp_path, name, text):
    """module-check on a copy of the tree with hv/<name> added: it must fail;
    returns its output."""
    top = hv_copy(tmp_path)
    with open(os.path.join(top, "hv", name), "w") as f:
        f.write(text)
    rc, out = run_check(top, tmp_path / "mc")
    assert rc != 0, out
    return out


def test_catches_host_dependency(tmp_path):
    """An hv/ file that calls something outside hv_os.h fails step 1."""
    out = check_with_bad_file(tmp_path, "zz_bad_dep.c",
                              '#include "hv_os.h"\n'
                              "void kprintf(const char *fmt, ...);\n"
                              "void zz_bad(void);\n"
                              'void zz_bad(void) { kprintf("x"); }\n')
    assert re.search(r"FAIL: hv/ calls symbols outside hv_os.h:.*\bkprintf\b", out), out


def test_catches_libc_header(tmp_path):
    """An hv/ file that includes a header the module build lacks fails step 1."""
    out = check_with_bad_file(tmp_path, "zz_bad_inc.c", "#include <string.h>\nint zz_x;\n")
    assert "FAIL: hv/zz_bad_inc.c does not compile with DragonFly's module flags" in out, out


def test_catches_dragonfly_warning(tmp_path):
    """DragonFly's warning set is enforced: a missing prototype fails."""
    out = check_with_bad_file(tmp_path, "zz_bad_warn.c",
                              "int zz_noproto(void);\nint zz_noproto2(void) { return 1; }\n")
    assert "zz_bad_warn.c" in out and "missing-prototypes" in out, out


def test_catches_unlisted_sources(tmp_path):
    """A source outside HV_GLOBS, a glue file missing from DFLY_SRCS and a
    duplicated file name (the module's .PATH would find only one) all fail."""
    top = hv_copy(tmp_path)
    os.makedirs(os.path.join(top, "hv", "intel", "sub"))
    with open(os.path.join(top, "hv", "intel", "sub", "deep.c"), "w") as f:
        f.write("int zz_deep;\n")
    with open(os.path.join(top, "hv", "dragonfly", "zz_glue.c"), "w") as f:
        f.write("int zz_glue;\n")
    with open(os.path.join(top, "hv", "amd", "translate.c"), "w") as f:
        f.write("int zz_dup;\n")
    rc, out = run_check(top, tmp_path / "mc")
    assert rc != 0, out
    assert "FAIL: hv/intel/sub/deep.c is not matched by HV_GLOBS" in out, out
    assert "FAIL: hv/dragonfly/zz_glue.c is not in DFLY_SRCS" in out, out
    assert re.search(r"FAIL: source names used twice.*translate\.c", out), out


def test_catches_vmm_dev_defect(tmp_path):
    """The hosted /dev/vmm test fails on a glue defect: VMM_IOC_VM_DESTROY no
    longer refused during a guest-memory copy (the copy then writes into a
    freed VM: ASan, or the test's EBUSY check)."""
    top = hv_copy(tmp_path)
    path = os.path.join(top, "hv", "dragonfly", "vmm_dev.c")
    with open(path) as f:
        src = f.read()
    good = ("\tif (ctx->mem_busy != 0)\n\t\terror = EBUSY;\n\telse\n"
            "\t\terror = vmm_ctx_destroy_vm(ctx);\n")
    assert good in src
    with open(path, "w") as f:
        f.write(src.replace(good, "\terror = vmm_ctx_destroy_vm(ctx);\n"))
    rc, out = run_check(top, tmp_path / "mc")
    assert rc != 0, out
    assert "FAIL: step 1: the hosted /dev/vmm test failed" in out, out
