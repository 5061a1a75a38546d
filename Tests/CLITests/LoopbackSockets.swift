import Foundation

/// Plain POSIX sockets on loopback, so that the tests talk to the daemon's
/// endpoints with nothing between them and the bytes.
enum Loopback {
    /// A TCP port that was free a moment ago.
    static func freePort() throws -> Int {
        let listener = try TCPListener()
        return listener.port
    }

    /// `GET path` on 127.0.0.1:port: the status code and body; nil when
    /// nothing answers.
    static func get(port: Int, path: String) -> (status: Int, body: String)? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard send(descriptor, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return nil }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let received = recv(descriptor, &chunk, chunk.count, 0)
            if received <= 0 { break }
            response += chunk[0..<received]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let headerEnd = text.range(of: "\r\n\r\n"), let status = Int(text.split(separator: " ").dropFirst().first ?? "") else {
            return nil
        }
        return (status, String(text[headerEnd.upperBound...]))
    }
}

extension sockaddr_in {
    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        return address
    }
}

/// A listening TCP socket on 127.0.0.1 (any free port) that never accepts
/// by itself: `hadConnection` tells whether anyone connected.
final class TCPListener {
    private let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 16) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard descriptor >= 0, bound else { throw POSIXError(.EADDRNOTAVAIL) }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a connection is waiting to be accepted.
    var hadConnection: Bool {
        let accepted = accept(descriptor, nil, nil)
        if accepted >= 0 { close(accepted) }
        return accepted >= 0
    }

    deinit { close(descriptor) }
}

/// A unix datagram socket standing in for systemd's `$NOTIFY_SOCKET`:
/// collects every message the daemon sends.
final class NotifyInbox {
    let path: String
    private let descriptor: Int32
    private let mailbox = Mailbox()

    /// What the reader thread shares with the test.
    private final class Mailbox: @unchecked Sendable {
        let lock = NSLock()
        var received: [(at: Date, text: String)] = []
        var open = true
        /// Signalled by the reader thread as it leaves: only then may the socket close.
        let readerLeft = DispatchSemaphore(value: 0)
    }

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8)).sock").path
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard descriptor >= 0, bound == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let mailbox = mailbox
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while mailbox.lock.withLock({ mailbox.open }) {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                if count > 0 {
                    let text = String(decoding: buffer[0..<count], as: UTF8.self)
                    mailbox.lock.withLock { mailbox.received.append((Date(), text)) }
                }
            }
            mailbox.readerLeft.signal()
        }
    }

    /// Every message so far, oldest first.
    var messages: [(at: Date, text: String)] { mailbox.lock.withLock { mailbox.received } }

    /// How many messages had `line` as one of their lines.
    func count(_ line: String) -> Int {
        messages.filter { $0.text.split(separator: "\n").contains(Substring(line)) }.count
    }

    /// Waits up to `timeout` seconds for a message with `line` as one of its lines.
    func wait(for line: String, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if count(line) > 0 { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    deinit {
        mailbox.lock.withLock { mailbox.open = false }
        mailbox.readerLeft.wait()  // within one receive timeout
        close(descriptor)
        unlink(path)
    }
}
