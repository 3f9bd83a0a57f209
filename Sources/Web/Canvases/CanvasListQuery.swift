import Core
import Foundation
import Storage

/// A link of the canvas list's filter or sort bar; the current choice is marked rather than linked to itself.
struct ListLink {
    let label: String
    let path: String
    let isCurrent: Bool
}

/// The canvas list's status filter and order, read from the query (`status`, `sort`); anything unknown means the
/// default (every status, newest first), so a hand-edited URL never fails.
struct CanvasListQuery {
    enum Order: String, CaseIterable {
        case newest, name, activity

        var label: String {
            switch self {
            case .newest: "Newest"
            case .name: "Name"
            case .activity: "Synced, last 24 h"
            }
        }
    }

    let status: CanvasStatus?
    let order: Order

    init(_ status: String?, _ sort: String?) {
        self.status = status.flatMap(CanvasStatus.init(rawValue:))
        order = sort.flatMap(Order.init(rawValue:)) ?? .newest
    }

    /// The canvases this query shows, in its order (ties by name, then newest first, so the order is stable).
    func arrange(_ canvases: [Canvas], figures: [Int64: CanvasListFigures]) -> [Canvas] {
        let shown = canvases.filter { status == nil || $0.status == status }   // store order: newest first
        switch order {
        case .newest:
            return shown
        case .name:
            return shown.enumerated().sorted { a, b in
                let order = a.element.name.localizedStandardCompare(b.element.name)
                return order == .orderedSame ? a.offset < b.offset : order == .orderedAscending
            }.map(\.element)
        case .activity:
            // Most synced in the last 24 hours first; a canvas without activity keeps its place among the quiet ones.
            return shown.enumerated().sorted { a, b in
                let left = figures[a.element.id]?.syncedRecently ?? 0, right = figures[b.element.id]?.syncedRecently ?? 0
                return left == right ? a.offset < b.offset : left > right
            }.map(\.element)
        }
    }

    /// All, Draft, Active, Stopped — each keeping the current order.
    var statusLinks: [ListLink] {
        let choices: [(String, CanvasStatus?)] = [("All", nil)] + [CanvasStatus.draft, .active, .stopped].map { (CanvasLabels.status($0), $0) }
        return choices.map { label, value in ListLink(label: label, path: path(status: value, order: order), isCurrent: value == status) }
    }

    /// Newest, Name, Synced in the last 24 h — each keeping the current filter.
    var sortLinks: [ListLink] {
        Order.allCases.map { ListLink(label: $0.label, path: path(status: status, order: $0), isCurrent: $0 == order) }
    }

    private func path(status: CanvasStatus?, order: Order) -> String {
        var parts: [String] = []
        if let status { parts.append("status=" + status.rawValue) }
        if order != .newest { parts.append("sort=" + order.rawValue) }
        return SiteRoute.canvases.path + (parts.isEmpty ? "" : "?" + parts.joined(separator: "&"))
    }
}
