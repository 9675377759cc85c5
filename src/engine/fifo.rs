//! A queue that grows at the back and is consumed from the front, indexed from
//! its front: a `Vec` and the index of its first live element.
//!
//! Why not `VecDeque`: the engine indexes its windows (releases, visits,
//! pending commits, frontiers, live visits, the stages' per-commit tallies)
//! far more often than it pushes or pops, and a `VecDeque` index wraps around
//! its ring on every access. Here an index is one bounds-checked access to the
//! buffer. The consumed front is dropped in one move once it is [`SLACK`]
//! times as long as the live part, so an element moves a quarter of a time on
//! average and the buffer stays within about five times the live length.
//! (Moving the front as soon as it was as long as the live part made the
//! moves cost more than the indexing saved.)

use std::ops::{Deref, DerefMut, Index, IndexMut};

#[derive(Debug)]
pub(super) struct Fifo<T> {
    buf: Vec<T>,
    /// Elements before this are consumed (dropped at the next compaction).
    head: usize,
}

/// Below this many consumed elements the front is never moved.
const COMPACT_AT: usize = 64;
/// The front is moved once it is this many times as long as the live part.
const SLACK: usize = 4;

impl<T> Fifo<T> {
    pub fn new() -> Self {
        Fifo {
            buf: Vec::new(),
            head: 0,
        }
    }

    pub fn with_capacity(n: usize) -> Self {
        Fifo {
            buf: Vec::with_capacity(n),
            head: 0,
        }
    }

    /// Live elements. (Inherent, as `Index` is below: through `Deref` each
    /// would first slice the buffer from the front, a second bounds check.)
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len() - self.head
    }

    pub fn front(&self) -> Option<&T> {
        self.buf.get(self.head)
    }

    /// (Not through `Deref`, which would slice the buffer first.)
    pub fn back(&self) -> Option<&T> {
        if self.buf.len() > self.head {
            self.buf.last()
        } else {
            None
        }
    }

    pub fn push_back(&mut self, x: T) {
        self.buf.push(x);
    }

    /// Appends copies of `xs` (one block copy, not one write per element).
    pub fn extend_from_slice(&mut self, xs: &[T])
    where
        T: Copy,
    {
        self.buf.extend_from_slice(xs);
    }

    /// Removes the last element.
    pub fn pop_back(&mut self) -> Option<T> {
        if self.head == self.buf.len() {
            return None;
        }
        self.buf.pop()
    }

    /// Consumes the first `n` elements (at most all of them).
    pub fn drop_front(&mut self, n: usize) {
        self.head = (self.head + n).min(self.buf.len());
        if self.head >= COMPACT_AT && self.head >= SLACK * (self.buf.len() - self.head) {
            self.buf.drain(..self.head);
            self.head = 0;
        }
    }

    /// Inserts `x` at `index` (from the front), shifting the later ones back.
    pub fn insert(&mut self, index: usize, x: T) {
        self.buf.insert(self.head + index, x);
    }

    /// Removes the element at `index` (from the front).
    pub fn remove(&mut self, index: usize) -> T {
        self.buf.remove(self.head + index)
    }
}

impl<T: Copy> Fifo<T> {
    pub fn pop_front(&mut self) -> Option<T> {
        let x = *self.buf.get(self.head)?;
        self.drop_front(1);
        Some(x)
    }
}

impl<'a, T> IntoIterator for &'a Fifo<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T> Index<usize> for Fifo<T> {
    type Output = T;
    #[inline]
    fn index(&self, i: usize) -> &T {
        &self.buf[self.head + i]
    }
}

impl<T> IndexMut<usize> for Fifo<T> {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.buf[self.head + i]
    }
}

impl<T> Deref for Fifo<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.buf[self.head..]
    }
}

impl<T> DerefMut for Fifo<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.buf[self.head..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    #[test]
    fn behaves_as_a_vecdeque_used_as_a_queue() {
        let mut f = Fifo::new();
        let mut d = VecDeque::new();
        let mut x = 0u32;
        for round in 0..2_000u32 {
            for _ in 0..(round % 7) {
                f.push_back(x);
                d.push_back(x);
                x += 1;
            }
            for _ in 0..(round % 5) {
                assert_eq!(f.pop_front(), d.pop_front());
            }
            if round % 11 == 0 {
                assert_eq!(f.pop_back(), d.pop_back());
            }
            if round % 17 == 0 {
                f.extend_from_slice(&[x; 3]);
                d.extend([x; 3]);
                x += 1;
            }
            if round % 13 == 0 && !d.is_empty() {
                let i = (round as usize) % d.len();
                assert_eq!(f.remove(i), d.remove(i).unwrap());
                f.insert(i / 2, x);
                d.insert(i / 2, x);
                x += 1;
            }
            assert_eq!(f.len(), d.len());
            assert!(f.iter().eq(d.iter()));
            assert_eq!(f.first(), d.front());
            assert_eq!(f.last(), d.back());
            // The consumed front never outgrows the live part by much.
            assert!(f.buf.len() <= (SLACK + 1) * (f.len() + 1) + COMPACT_AT);
        }
    }
}
