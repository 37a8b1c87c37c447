//! Sockets for a loop, as Redis's `anet.c` makes them: a TCP connect that
//! does not block the loop.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, FdFlag, OFlag};
use nix::sys::socket::{self, AddressFamily, SockFlag, SockType, SockaddrStorage};

/// Starts a TCP connection to `addr` without waiting for it
/// (`anetTcpNonBlockConnect`): the socket is non-blocking and
/// close-on-exec, and the connection is under way or made when this
/// returns. Register it for WRITABLE; when that fires, [`connect_result`]
/// says whether it connected. A refusal the kernel knows at once (an
/// unreachable network, say) is returned here.
///
/// ```
/// use std::net::TcpListener;
/// use std::time::Duration;
/// use ae_core::{net, wait, Mask};
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let stream = net::connect_nonblocking(listener.local_addr()?)?;
/// wait(&stream, Mask::WRITABLE, Some(Duration::from_secs(5)))?;
/// net::connect_result(&stream)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn connect_nonblocking(addr: SocketAddr) -> io::Result<TcpStream> {
    let family = match addr {
        SocketAddr::V4(_) => AddressFamily::Inet,
        SocketAddr::V6(_) => AddressFamily::Inet6,
    };
    let fd: OwnedFd = socket::socket(family, SockType::Stream, SockFlag::empty(), None)?;
    // Set apart from socket(): SOCK_NONBLOCK and SOCK_CLOEXEC are not on macOS.
    fcntl(&fd, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
    fcntl(&fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
    let target = SockaddrStorage::from(addr);
    match socket::connect(fd.as_raw_fd(), &target) {
        // Interrupted, the connection still goes on, and its result comes
        // as for EINPROGRESS.
        Ok(()) | Err(Errno::EINPROGRESS | Errno::EINTR) => Ok(TcpStream::from(fd)),
        Err(e) => Err(e.into()),
    }
}

/// Whether a connection begun by [`connect_nonblocking`] was made, once the
/// socket is WRITABLE: `Ok` when connected, the socket's error otherwise
/// (`ConnectionRefused`, `TimedOut`, ...). Before it is WRITABLE it cannot
/// tell yet, and reports `Ok` or `NotConnected`.
pub fn connect_result(stream: &TcpStream) -> io::Result<()> {
    if let Some(e) = stream.take_error()? {
        return Err(e);
    }
    stream.peer_addr().map(drop)
}
