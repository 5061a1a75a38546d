import Dispatch
import Logging
import RecstreamStore
import Synchronization

/// Keeps `item_transitions` about as small as the steps it counts. Batches
/// append one row per step they changed (`StateRepository.appendTransitions`);
/// once the table holds more than twice as many rows as the model has
/// distinct steps, and at least `minimumRows`, the rows are folded
/// (`BatchTransaction.compactTransitions`) on a thread and connection of
/// their own while batches go on.
///
/// A fold of R rows leaves at most R / 2, so folding costs at most about
/// two row writes per appended row over the daemon's life; a stream whose
/// steps rarely repeat is never folded at all. One fold runs at a time; a
/// daemon that stops meanwhile leaves it to roll back, which loses nothing.
final class TransitionCompaction: Sendable {
    /// Below this many rows the table is left as it is.
    static let defaultMinimumRows = 1 << 20

    private let database: ReconnectingConnection
    private let leadership: Leadership
    private let minimumRows: Int
    private let logger: Logger
    private let queue = DispatchQueue(label: "recstream.transition-compaction")
    private let state: Mutex<State>

    private struct State {
        /// Rows stored: counted at start, then kept by the committed batches and the folds.
        var storedRows: Int
        var folding = false
        /// After a failed fold, the next waits until the table holds this many rows.
        var retryAtRows = 0
        /// Folds finished, failed ones included.
        var folds = 0
    }

    /// `storedRows`: the rows the table holds now (those the model was restored from).
    init(
        storedRows: Int, database: ReconnectingConnection, leadership: Leadership, logger: Logger,
        minimumRows: Int = TransitionCompaction.defaultMinimumRows
    ) {
        state = Mutex(State(storedRows: storedRows))
        self.database = database
        self.leadership = leadership
        self.minimumRows = minimumRows
        self.logger = logger
    }

    /// The rows stored, as far as this daemon knows.
    var storedRows: Int { state.withLock { $0.storedRows } }

    /// Folds finished so far (each also logged).
    var folds: Int { state.withLock { $0.folds } }

    /// Counts the `rows` a committed batch appended, the model then holding
    /// `steps` distinct steps, and starts a fold when one is due.
    func committed(rows: Int, steps: Int) {
        let due = state.withLock { state in
            state.storedRows += rows
            guard !state.folding, state.storedRows >= max(minimumRows, state.retryAtRows), state.storedRows > 2 * steps
            else { return false }
            state.folding = true
            return true
        }
        if due { queue.async { self.fold() } }
    }

    private func fold() {
        defer { state.withLock { $0.folds += 1 } }
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            let epoch = leadership.epoch
            let (before, after) = try database.run(attempts: 3) { connection in
                try BatchTransaction(connection: connection).compactTransitions(fencedBy: epoch)
            }
            state.withLock {
                $0.storedRows += after - before
                $0.folding = false
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            logger.info(
                "transition rows folded",
                metadata: ["rows_before": "\(before)", "rows_after": "\(after)", "seconds": "\(String(format: "%.2f", seconds))"])
        } catch {
            state.withLock {
                $0.retryAtRows = $0.storedRows + minimumRows
                $0.folding = false
            }
            logger.error("folding the transition rows failed", metadata: ["error": "\(error)"])
        }
    }
}
