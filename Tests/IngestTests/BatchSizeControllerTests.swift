import Testing

@testable import RecstreamIngest

@Suite("Batch size limit for fresh lists")
struct BatchSizeControllerTests {
    @Test func withoutATargetEveryBatchMayFillToTheMaximum() {
        var controller = BatchSizeController(maximum: 20_000, cycleTarget: nil)
        controller.cycleFinished(records: 20_000, seconds: 5)
        #expect(controller.limit == 20_000)
    }

    @Test func theLimitIsTheLastCyclesRateTimesTheTargetWithinTheBounds() {
        var controller = BatchSizeController(maximum: 20_000, minimum: 500, cycleTarget: 0.5)
        #expect(controller.limit == 20_000, "no cycle measured yet")
        controller.cycleFinished(records: 10_000, seconds: 1)
        #expect(controller.limit == 5_000)
        controller.cycleFinished(records: 20_000, seconds: 0.2)
        #expect(controller.limit == 20_000, "100,000 records/s: capped at the maximum")
        controller.cycleFinished(records: 100, seconds: 2)
        #expect(controller.limit == 500, "a slow trickle: never below the minimum")
        controller.cycleFinished(records: 0, seconds: 0.2)
        #expect(controller.limit == 500, "an empty cycle says nothing")
    }

    /// A pipeline under a backlog whose cycle costs 50 ms plus 100 us per
    /// record: the batch that takes the 0.5 s target holds
    /// (0.5 - 0.05) / 0.0001 = 4,500 records, and the limit must settle there
    /// from the 20,000 it starts at.
    @Test func underABacklogTheLimitSettlesWhereACycleTakesTheTarget() {
        var controller = BatchSizeController(maximum: 20_000, cycleTarget: 0.5)
        func cycleSeconds(_ records: Int) -> Double { 0.05 + Double(records) * 0.000_1 }
        for _ in 0..<30 { controller.cycleFinished(records: controller.limit, seconds: cycleSeconds(controller.limit)) }
        #expect(abs(controller.limit - 4_500) <= 45, "settled at \(controller.limit)")
        #expect(abs(cycleSeconds(controller.limit) - 0.5) < 0.01)
    }
}
