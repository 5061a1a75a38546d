import Testing

@testable import RecstreamStream

@Suite("Repeated log messages")
struct LogThrottleTests {
    @Test func alikeMessagesGoThroughOncePerIntervalWithTheCountHeldBack() {
        let throttle = LogThrottle(interval: .seconds(10))
        let start = ContinuousClock.now
        func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int(seconds * 1000)) }
        #expect(throttle.admit("Connect to 127.0.0.1:9092 failed (after 0ms)", now: at(0)) == 0)
        // Twenty a second for 9.9 s, differing only in their numbers: held back.
        var passed = 0
        for tick in 1..<198
        where throttle.admit("Connect to 127.0.0.1:9092 failed (after \(tick % 7)ms)", now: at(Double(tick) / 20)) != nil {
            passed += 1
        }
        #expect(passed == 0)
        #expect(throttle.admit("a different message", now: at(5)) == 0, "another message has a count of its own")
        #expect(throttle.admit("Connect to 127.0.0.1:9092 failed (after 9ms)", now: at(10)) == 197, "one line per interval, with the count")
        #expect(throttle.admit("Connect to 127.0.0.1:9092 failed (after 1ms)", now: at(10.5)) == nil)
        #expect(throttle.admit("Connect to 127.0.0.1:9092 failed (after 1ms)", now: at(30)) == 1)
    }

    @Test func itRemembersAtMostItsCapacity() {
        let throttle = LogThrottle(interval: .seconds(10))
        let start = ContinuousClock.now
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        for index in 0..<3_000 {
            let name = String([letters[index % 26], letters[index / 26 % 26], letters[index / 676]])
            #expect(throttle.admit("message " + name, now: start + .milliseconds(index)) == 0, "each message is new")
            #expect(throttle.remembered <= LogThrottle.capacity)
        }
        #expect(throttle.remembered > 0)
    }
}
