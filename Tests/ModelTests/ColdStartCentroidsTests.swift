import Testing

@testable import RecstreamModel

@Suite("Cold-start centroids")
struct ColdStartCentroidsTests {
    @Test func categoryCentroidIsTheMeanOfItsWarmItemsEvenAfterUpdates() {
        var centroids = ColdStartCentroids(dimension: 3)
        var members: [[Float]] = [[1, 2, 3], [3, 2, 1], [0, 0, 6]]
        for vector in members { centroids.add(vector, categories: ["drama", "drama"], uploader: "studio") }
        centroids.update(from: members[2], to: [6, 0, 0], categories: ["drama"], uploader: "studio")
        members[2] = [6, 0, 0]
        let mean = (0..<3).map { k in members.reduce(Float(0)) { $0 + $1[k] } / 3 }
        #expect(centroids.categories["drama"]?.count == 3, "a category listed twice counts once")
        #expect(zip(centroids.categories["drama"]!.mean()!, mean).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func freshVectorIsTheStatedCombination() {
        var centroids = ColdStartCentroids(dimension: 2)
        centroids.add([2, 0], categories: ["a"], uploader: "u1")
        centroids.add([4, 0], categories: ["a", "b"], uploader: "u2")
        centroids.add([0, 8], categories: ["b"], uploader: "u1")
        // mean(a) = (3, 0); mean(b) = (2, 4); mean(u1) = (1, 4).
        // categories part = ((3,0) + (2,4)) / 2 = (2.5, 2); weights 3 : 1 with the uploader.
        let fresh = centroids.freshVector(categories: ["a", "b", "unknown"], uploader: "u1", categoryWeight: 3, uploaderWeight: 1)!
        #expect(zip(fresh, [(3 * 2.5 + 1) / 4, (3 * 2 + 4) / 4] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
        // Unknown uploader: categories alone.
        #expect(centroids.freshVector(categories: ["b"], uploader: "nobody", categoryWeight: 3, uploaderWeight: 1) == [2, 4])
        // Nothing known: the global mean (2, 8/3).
        let global = centroids.freshVector(categories: ["zzz"], uploader: nil, categoryWeight: 1, uploaderWeight: 1)!
        #expect(abs(global[0] - 2) < 1e-6 && abs(global[1] - 8.0 / 3) < 1e-6)
        #expect(ColdStartCentroids(dimension: 2).freshVector(categories: ["a"], uploader: nil, categoryWeight: 1, uploaderWeight: 1) == nil)
    }
}
