import Dispatch
import Synchronization

/// Runs each batch's writes on a thread of its own, one batch at a time and
/// in order, so the pipeline computes batch n+1 while batch n commits (and
/// the list publisher writes batch n's lists while n+1 commits). At
/// most one batch is in flight: `submit` waits for the previous one.
/// A failed write is rethrown by the next `submit` or `drain`, and
/// every later call fails the same way.
final class BatchCommitter: Sendable {
    private let queue: DispatchQueue
    private let slot = DispatchSemaphore(value: 1)
    private let failure = Mutex<(any Error)?>(nil)

    /// `label` names the thread (the dispatch queue).
    init(label: String = "recstream.batch-commit") {
        queue = DispatchQueue(label: label)
    }

    /// Starts `write` once the batch in flight is written.
    func submit(_ write: @escaping @Sendable () throws -> Void) throws {
        slot.wait()
        if let error = failure.withLock({ $0 }) {
            slot.signal()
            throw error
        }
        queue.async { [self] in
            do {
                try write()
            } catch {
                failure.withLock { $0 = error }
            }
            slot.signal()
        }
    }

    /// Waits until the batch in flight is written; rethrows its failure.
    func drain() throws {
        slot.wait()
        slot.signal()
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
