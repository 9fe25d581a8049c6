//! What an index run knows about a file on disk without reading it: size, modification and
//! status-change times, inode. A file whose stored [`FileStat`] equals the one on disk now is not
//! read again, which makes a run over an unchanged tree cost a `stat` per directory (the
//! stored walk, `walk.rs`) and per file.
//!
//! The "racy" rule (git's, for its own index): a time stamp only proves a file did not change if
//! the file could not have changed again within the same tick of the file system's clock. Time
//! stamps are coarse (ext4 and tmpfs advance them per kernel tick, some file systems per second),
//! so a file written, indexed and rewritten with the same size within one tick would look
//! unchanged. A stat is therefore stored only when the file's times lie before the second the
//! run started in ([`RunClock::storable`]); a file touched later than that keeps no stat and is
//! read (and hashed, not parsed unless its content changed) by the next run, which then stores
//! its stat. Whole seconds cover the coarsest clocks in use (FAT's two seconds aside); a clock
//! ahead of ours (a network file system) only makes more files racy, never fewer. The kernel
//! stamps files from a coarse clock that lags the one a run reads by up to a tick, so the run's
//! start is moved back by [`CLOCK_LAG`] before it is rounded down to its second: a file written
//! at 12:00:00.001 may carry 11:59:59.997, and a run starting at 12:00:00.002 must count it racy.
//!
//! The inode catches a file replaced by another of the same size and times (an editor's rename
//! over the original, a `git checkout` restoring times); the status-change time, which no user can
//! set, catches content rewritten with its modification time put back (`touch -d`).

use std::fs::Metadata;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A file's metadata as an index run compares it (nanoseconds since the Unix epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    pub size: i64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub inode: i64,
}

impl FileStat {
    /// The stat of `path`, following symbolic links as reading it does; `None` when it cannot
    /// be read (the file is then read, and reported if that fails too).
    pub fn of_path(path: &Path) -> Option<FileStat> {
        std::fs::metadata(path).ok().map(|m| FileStat::of(&m))
    }

    #[cfg(unix)]
    pub fn of(meta: &Metadata) -> FileStat {
        use std::os::unix::fs::MetadataExt;
        FileStat {
            size: meta.size() as i64,
            mtime_ns: meta.mtime().saturating_mul(1_000_000_000).saturating_add(meta.mtime_nsec()),
            ctime_ns: meta.ctime().saturating_mul(1_000_000_000).saturating_add(meta.ctime_nsec()),
            // Stored as SQL's signed 64-bit integer; equality is all that matters.
            inode: meta.ino() as i64,
        }
    }

    /// Without inodes and status-change times: size and modification time only.
    #[cfg(not(unix))]
    pub fn of(meta: &Metadata) -> FileStat {
        let mtime_ns = meta.modified().ok().map_or(0, nanos_since_epoch);
        FileStat { size: meta.len() as i64, mtime_ns, ctime_ns: mtime_ns, inode: 0 }
    }

    /// `(size, mtime_ns, ctime_ns, inode)` columns, all `NULL` for no stat.
    pub(crate) fn columns(stat: Option<FileStat>) -> [Option<i64>; 4] {
        match stat {
            Some(s) => [Some(s.size), Some(s.mtime_ns), Some(s.ctime_ns), Some(s.inode)],
            None => [None; 4],
        }
    }

    /// The stat stored in `columns`, when all four are present.
    pub(crate) fn from_columns(columns: [Option<i64>; 4]) -> Option<FileStat> {
        let [Some(size), Some(mtime_ns), Some(ctime_ns), Some(inode)] = columns else { return None };
        Some(FileStat { size, mtime_ns, ctime_ns, inode })
    }
}

fn nanos_since_epoch(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// How far file time stamps may lag the clock a run reads (a kernel tick is 1 to 10 ms).
pub const CLOCK_LAG: Duration = Duration::from_millis(50);

/// When a run started, for the racy rule.
#[derive(Debug, Clone, Copy)]
pub struct RunClock {
    /// The start of the second the run started in ([`CLOCK_LAG`] earlier), in nanoseconds since
    /// the epoch.
    racy_from_ns: i64,
}

impl RunClock {
    /// Taken before the run looks at any file.
    pub fn start() -> RunClock {
        RunClock::at(SystemTime::now())
    }

    pub fn at(started: SystemTime) -> RunClock {
        let ns = nanos_since_epoch(started) - CLOCK_LAG.as_nanos() as i64;
        RunClock { racy_from_ns: ns - ns.rem_euclid(1_000_000_000) }
    }

    /// The stat to store for a file just looked at: `None` when the file changed in the second
    /// the run started or later, since a change within the same clock tick would not show in its
    /// stat (see the module documentation).
    pub fn storable(&self, stat: Option<FileStat>) -> Option<FileStat> {
        stat.filter(|s| s.mtime_ns < self.racy_from_ns && s.ctime_ns < self.racy_from_ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(mtime_ns: i64, ctime_ns: i64) -> FileStat {
        FileStat { size: 10, mtime_ns, ctime_ns, inode: 7 }
    }

    #[test]
    fn a_file_changed_in_the_runs_second_is_racy() {
        let clock = RunClock::at(UNIX_EPOCH + Duration::from_millis(5_300));
        // Changed before the second the run started in: its stat proves it unchanged later.
        assert_eq!(clock.storable(Some(stat(4_999_999_999, 4_999_999_999))), Some(stat(4_999_999_999, 4_999_999_999)));
        // Changed in that second, before or after the run started, or later: read again next time.
        for racy in [5_000_000_000, 5_200_000_000, 5_400_000_000, 9_000_000_000] {
            assert_eq!(clock.storable(Some(stat(racy, 1))), None, "mtime {racy}");
            assert_eq!(clock.storable(Some(stat(1, racy))), None, "ctime {racy}");
        }
        assert_eq!(clock.storable(None), None);
        // Just after a second began, a file stamped by a lagging clock in the second before is
        // racy too.
        let clock = RunClock::at(UNIX_EPOCH + Duration::from_millis(5_002));
        assert_eq!(clock.storable(Some(stat(4_997_000_000, 4_997_000_000))), None);
        assert!(clock.storable(Some(stat(3_999_000_000, 3_999_000_000))).is_some());
    }

    #[test]
    fn columns_round_trip() {
        let s = stat(1, 2);
        assert_eq!(FileStat::from_columns(FileStat::columns(Some(s))), Some(s));
        assert_eq!(FileStat::from_columns(FileStat::columns(None)), None);
        assert_eq!(FileStat::from_columns([Some(1), None, Some(2), Some(3)]), None);
    }
}
