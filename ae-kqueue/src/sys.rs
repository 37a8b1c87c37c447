//! libkqueue's `sys/event.h` on Linux: the declarations that the `libc`
//! crate provides on the BSDs, for the library's Linux build (2.x).

use libc::{c_int, c_short, c_uint, c_ushort, c_void, intptr_t, timespec, uintptr_t};

/// `struct kevent` as libkqueue declares it on Linux.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
#[allow(non_camel_case_types)]
pub struct kevent {
    pub ident: uintptr_t,
    pub filter: c_short,
    pub flags: c_ushort,
    pub fflags: c_uint,
    pub data: intptr_t,
    pub udata: *mut c_void,
}

pub const EVFILT_READ: c_short = -1;
pub const EVFILT_WRITE: c_short = -2;
pub const EV_ADD: c_ushort = 0x0001;
pub const EV_DELETE: c_ushort = 0x0002;
pub const EV_ERROR: c_ushort = 0x4000;
pub const EV_EOF: c_ushort = 0x8000;

extern "C" {
    pub fn kqueue() -> c_int;
    pub fn kevent(
        kq: c_int,
        changelist: *const kevent,
        nchanges: c_int,
        eventlist: *mut kevent,
        nevents: c_int,
        timeout: *const timespec,
    ) -> c_int;
}
