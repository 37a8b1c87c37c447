//! The two small bit sets of ae: the event [`Mask`] of a file event and the
//! [`Flags`] of `process_events`. Hand-written rather than `bitflags` to keep
//! the dependency list to what the field uses.

use std::fmt;
use std::ops::{BitAnd, BitOr, BitOrAssign, Sub};

macro_rules! bit_set {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $flag:ident = $bits:expr,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(u8);

        impl $name {
            $($(#[$fdoc])* pub const $flag: $name = $name($bits);)*

            /// The raw bits, with the same values as ae.h.
            pub const fn bits(self) -> u8 {
                self.0
            }

            /// The set with these bits; unknown bits are dropped.
            pub const fn from_bits_truncate(bits: u8) -> Self {
                $name(bits & (0 $(| $bits)*))
            }

            /// The bits of both; `|` in a `const` context.
            pub const fn union(self, other: $name) -> Self {
                $name(self.0 | other.0)
            }

            /// True when no bit is set.
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// True when every bit of `other` is set in `self`.
            pub const fn contains(self, other: $name) -> bool {
                self.0 & other.0 == other.0
            }

            /// True when `self` and `other` share a bit.
            pub const fn intersects(self, other: $name) -> bool {
                self.0 & other.0 != 0
            }
        }

        impl BitOr for $name {
            type Output = $name;
            fn bitor(self, rhs: $name) -> $name {
                $name(self.0 | rhs.0)
            }
        }

        impl BitOrAssign for $name {
            fn bitor_assign(&mut self, rhs: $name) {
                self.0 |= rhs.0;
            }
        }

        impl BitAnd for $name {
            type Output = $name;
            fn bitand(self, rhs: $name) -> $name {
                $name(self.0 & rhs.0)
            }
        }

        /// Set difference: the bits of `self` that are not in `rhs`.
        impl Sub for $name {
            type Output = $name;
            fn sub(self, rhs: $name) -> $name {
                $name(self.0 & !rhs.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut sep = "";
                $(
                    // Composite constants (ALL_EVENTS) print as their parts.
                    if $name::$flag.0.count_ones() == 1 && self.contains($name::$flag) {
                        write!(f, "{sep}{}", stringify!($flag))?;
                        sep = " | ";
                    }
                )*
                if sep.is_empty() {
                    f.write_str("NONE")?;
                }
                Ok(())
            }
        }
    };
}

bit_set! {
    /// What a file event waits for, and what fired (ae.h's `AE_*` masks).
    ///
    /// ```
    /// use ae_core::Mask;
    /// let m = Mask::READABLE | Mask::WRITABLE;
    /// assert!(m.contains(Mask::READABLE));
    /// assert_eq!(m - Mask::READABLE, Mask::WRITABLE);
    /// assert_eq!(format!("{m:?}"), "READABLE | WRITABLE");
    /// ```
    Mask {
        /// No event (`AE_NONE`).
        NONE = 0,
        /// Fire when the fd is readable (`AE_READABLE`).
        READABLE = 1,
        /// Fire when the fd is writable (`AE_WRITABLE`).
        WRITABLE = 2,
        /// With WRITABLE: run the write handler before the read handler in
        /// one iteration, so a reply is persisted before the next request is
        /// read (`AE_BARRIER`, used by Redis for fsync=always).
        BARRIER = 4,
    }
}

impl Mask {
    /// The bits a kernel interest list can express; BARRIER is the loop's own.
    pub const READ_WRITE: Mask = Mask(1 | 2);
}

bit_set! {
    /// What one [`EventLoop::process_events`](crate::EventLoop::process_events)
    /// call does (ae.h's `AE_*` process flags).
    Flags {
        /// Process file events (`AE_FILE_EVENTS`).
        FILE_EVENTS = 1,
        /// Process time events (`AE_TIME_EVENTS`).
        TIME_EVENTS = 2,
        /// Both kinds of event (`AE_ALL_EVENTS`).
        ALL_EVENTS = 1 | 2,
        /// Poll with a zero timeout (`AE_DONT_WAIT`).
        DONT_WAIT = 4,
        /// Run the before-sleep hook (`AE_CALL_BEFORE_SLEEP`).
        CALL_BEFORE_SLEEP = 8,
        /// Run the after-sleep hook (`AE_CALL_AFTER_SLEEP`).
        CALL_AFTER_SLEEP = 16,
    }
}
