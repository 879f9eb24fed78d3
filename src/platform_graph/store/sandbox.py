"""Confine a process that evaluates untrusted SPARQL: no network, bounded memory.

pyoxigraph fetches over HTTP for ``SERVICE`` and ``LOAD`` and cannot be told not to, and
a query can ask it for any amount of memory. The text guard (``sparql_text``) refuses
such requests first, but a guard that reads a request differently from the engine lets
them through; so the engine's process itself is made unable to do harm:

* **No network, by construction.** A seccomp filter makes every ``socket``,
  ``socketpair``, ``connect`` and ``io_uring`` call fail with ``EACCES``, whatever the
  request says. The worker talks to the server over the pipe it was started with,
  which exists before the filter does. Calls from another architecture's system call
  table (the x32 ABI on x86-64) are refused too.
* **Bounded memory.** ``RLIMIT_DATA`` caps the worker's heap: past it an allocation
  fails and the engine aborts, which kills the worker and nothing else.
* No core dumps, and no new privileges (a seccomp filter requires that).

Installing the filter is checked, not hoped for: ``confine`` raises
``SandboxUnavailable`` when the kernel refuses it or the processor is not one the
filter knows, and a worker that cannot confine itself does not start (fail closed).
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import socket
import struct

__all__ = ["SandboxUnavailable", "confine", "data_in_use", "limit_memory"]


class SandboxUnavailable(RuntimeError):
    """The process could not be confined: it must not evaluate untrusted input."""


# linux/audit.h, linux/seccomp.h, linux/filter.h, linux/prctl.h
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_SYSCALLS = {
    # socket, connect, socketpair, io_uring_setup, io_uring_enter, io_uring_register
    "x86_64": (41, 42, 53, 425, 426, 427),
    "aarch64": (198, 203, 199, 425, 426, 427),
}
_X32_BIT = 0x40000000
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_PR_GET_SECCOMP = 21
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_KILL_PROCESS = 0x80000000
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
_NR, _ARCH = 0, 4


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _program(machine: str) -> bytes:
    denied = _SYSCALLS[machine]
    insns = [
        _insn(_LD_W_ABS, _ARCH),
        _insn(_JEQ_K, _AUDIT_ARCH[machine], 1, 0),
        _insn(_RET_K, _RET_KILL_PROCESS),  # another ABI's table: never expected
        _insn(_LD_W_ABS, _NR),
    ]
    if machine == "x86_64":
        insns.append(_insn(_JGE_K, _X32_BIT, len(denied) + 1, 0))  # x32 calls: refused
    for i, nr in enumerate(denied):
        # Equal: jump to the refusal after the remaining comparisons and the allow.
        insns.append(_insn(_JEQ_K, nr, len(denied) - i, 0))
    insns.append(_insn(_RET_K, _RET_ALLOW))
    insns.append(_insn(_RET_K, _RET_ERRNO | errno.EACCES))
    return b"".join(insns)


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_char_p))


def _deny_network() -> None:
    machine = platform.machine()
    if machine not in _SYSCALLS:
        raise SandboxUnavailable(f"no network filter for the {machine!r} processor")
    libc = ctypes.CDLL(None, use_errno=True)
    program = _program(machine)
    fprog = _SockFprog(len(program) // 8, program)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(f"prctl(NO_NEW_PRIVS): {os.strerror(ctypes.get_errno())}")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise SandboxUnavailable(f"seccomp filter refused: {os.strerror(ctypes.get_errno())}")
    # Verify rather than trust: a socket must now be impossible.
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        return
    raise SandboxUnavailable("the seccomp filter is installed but sockets still open")


def data_in_use() -> int:
    """Bytes of this process's data segment (heap and anonymous private mappings)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    raise SandboxUnavailable("/proc/self/status has no VmData line")


def confine(*, network: bool = False) -> None:
    """Confine this process for good: no network (unless ``network``), no core dumps."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if not network:
        _deny_network()


def limit_memory(extra_bytes: int | None) -> None:
    """Let this process's heap grow by at most ``extra_bytes`` beyond what it uses now."""
    if extra_bytes is None:
        return
    limit = data_in_use() + extra_bytes
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ValueError, OSError) as exc:
        raise SandboxUnavailable(f"cannot limit memory: {exc}") from exc
