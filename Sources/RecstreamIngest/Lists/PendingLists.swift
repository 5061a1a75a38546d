import Dispatch
import Synchronization

/// A batch's users' lists, computed on the pipeline thread while the
/// committer writes the batch's state, and handed to the committer to
/// publish once that commit is done (scoring overlaps the transaction).
final class PendingLists: Sendable {
    /// The users whose lists the batch changes.
    let users: [Int32]
    private let ready = DispatchSemaphore(value: 0)
    private let update = Mutex<ListPublisher.UserListUpdate?>(nil)

    init(users: [Int32]) {
        self.users = users
    }

    /// Hands the computed lists over (once).
    func fulfil(_ lists: ListPublisher.UserListUpdate) {
        update.withLock { $0 = lists }
        ready.signal()
    }

    /// Waits for `fulfil`.
    func wait() -> ListPublisher.UserListUpdate {
        ready.wait()
        return update.withLock { $0! }
    }
}
