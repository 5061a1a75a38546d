/// HR@k over the stream as an SVG line chart: the moving average of hits
/// over a window of evaluated events.
public enum HitRatePlot {
    public static func svg(outcomes: [UInt8], window: Int = 1000, title: String) -> String {
        let width = 800.0
        let height = 400.0
        let margin = 50.0
        var averages: [Double] = []
        var sum = 0
        for (index, outcome) in outcomes.enumerated() {
            sum += Int(outcome)
            if index >= window { sum -= Int(outcomes[index - window]) }
            if index + 1 >= min(window, outcomes.count) { averages.append(Double(sum) / Double(min(index + 1, window))) }
        }
        let top = max(0.01, (averages.max() ?? 0) * 1.1)
        let points = averages.enumerated().map { index, value in
            let x = margin + (width - 2 * margin) * Double(index) / Double(max(1, averages.count - 1))
            let y = height - margin - (height - 2 * margin) * value / top
            return "\(format(x)),\(format(y))"
        }
        let ticks = (0...4).map { step -> String in
            let value = top * Double(step) / 4
            let y = height - margin - (height - 2 * margin) * Double(step) / 4
            return
                "<text x=\"\(format(margin - 6))\" y=\"\(format(y + 4))\" text-anchor=\"end\" font-size=\"11\">\(format(value, digits: 3))</text>"
                + "<line x1=\"\(format(margin))\" y1=\"\(format(y))\" x2=\"\(format(width - margin))\" y2=\"\(format(y))\" stroke=\"#ddd\"/>"
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(format(width / 2))" y="24" text-anchor="middle" font-size="14">\(title)</text>
            \(ticks.joined(separator: "\n"))
            <polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="\(points.joined(separator: " "))"/>
            <text x="\(format(width / 2))" y="\(format(height - 12))" text-anchor="middle" font-size="11">evaluated stream events (moving average over \(window))</text>
            </svg>

            """
    }

    private static func format(_ value: Double, digits: Int = 1) -> String {
        let scale = Double([1, 10, 100, 1000, 10000][min(digits, 4)])
        return "\((value * scale).rounded() / scale)"
    }
}
