//! Backoff for wrong secrets: each wrong API token or Console login is
//! answered later than the one before it (50 ms, doubling, at most 2 s),
//! while a right one is never delayed. Every guess on a host comes from
//! the same address, so nothing here locks anyone out: a lockout would let
//! any local process shut a pipeline out. The delay holds the guesser's
//! connection instead, and with the server's connection cap that bounds
//! guessing to a few hundred a second (from about 8,000 with no delay).

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The first wrong guess's delay.
const FIRST: Duration = Duration::from_millis(50);
/// The longest delay.
const LONGEST: Duration = Duration::from_secs(2);
/// How long a quiet spell must last before the delay starts again from
/// the first.
const FORGOTTEN_AFTER: Duration = Duration::from_secs(60);

/// The wrong guesses lately, shared by the API and the Console.
#[derive(Debug, Default)]
pub struct WrongGuesses {
    recent: Mutex<Option<(u32, Instant)>>,
}

impl WrongGuesses {
    /// Counts a wrong guess and returns how long to wait before answering.
    pub fn count(&self) -> Duration {
        let mut recent = self
            .recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let before = match *recent {
            Some((count, last)) if now.duration_since(last) < FORGOTTEN_AFTER => count,
            _ => 0,
        };
        *recent = Some((before.saturating_add(1), now));
        (FIRST * 2u32.saturating_pow(before.min(6))).min(LONGEST)
    }

    /// Counts a wrong guess and waits as long as it says.
    pub async fn answer_later(&self) {
        tokio::time::sleep(self.count()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_wrong_guess_waits_twice_the_last_up_to_two_seconds() {
        let guesses = WrongGuesses::default();
        let delays: Vec<u128> = (0..8).map(|_| guesses.count().as_millis()).collect();
        assert_eq!(delays, [50, 100, 200, 400, 800, 1600, 2000, 2000]);
    }
}
