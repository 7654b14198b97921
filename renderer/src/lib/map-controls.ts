/** Commands other components send to the map view (fit, zoom, centre), and viewport change callbacks. */
export interface MapControlsImpl {
  fit(): void;
  zoomBy(factor: number): void;
  centerOn(id: string): boolean;
  viewport(): { zoom: number; pan: { x: number; y: number }; width: number; height: number } | undefined;
  panTo(x: number, y: number): void;
  png(): string | undefined;
  /** Where an element is drawn on the page (CSS pixels), for tests that click it like a user. */
  screenPoint(id: string): { x: number; y: number } | undefined;
  /** What the canvas draws for a road (tests compare it with the model and the SVG export). */
  inspect(id: string): RoadOnCanvas | undefined;
  /** A map point on the page (CSS pixels). */
  toPage(x: number, y: number): { x: number; y: number } | undefined;
  /** Road labels on the canvas now (not hidden). */
  visibleLabels(): { road: string; text: string }[];
}

export interface RoadOnCanvas {
  /** Source end, bends, target end, in map units. */
  points: { x: number; y: number }[];
  zIndex: number;
  zCompare: string;
  visible: boolean;
  /** Highest z-index of any district. */
  districtZ: number;
}

class MapControls {
  private impl?: MapControlsImpl;
  private listeners = new Set<() => void>();
  attach(impl: MapControlsImpl) {
    this.impl = impl;
  }
  detach() {
    this.impl = undefined;
  }
  fit() {
    this.impl?.fit();
  }
  zoomBy(f: number) {
    this.impl?.zoomBy(f);
  }
  centerOn(id: string): boolean {
    return this.impl?.centerOn(id) ?? false;
  }
  viewport() {
    return this.impl?.viewport();
  }
  panTo(x: number, y: number) {
    this.impl?.panTo(x, y);
  }
  screenPoint(id: string) {
    return this.impl?.screenPoint(id);
  }
  inspect(id: string) {
    return this.impl?.inspect(id);
  }
  toPage(x: number, y: number) {
    return this.impl?.toPage(x, y);
  }
  visibleLabels() {
    return this.impl?.visibleLabels() ?? [];
  }
  onViewport(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  viewportChanged() {
    for (const l of this.listeners) l();
  }
}

export const mapControls = new MapControls();
