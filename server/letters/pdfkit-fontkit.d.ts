import type { Font } from "fontkit";

// pdfkit (0.15 and later) accepts a font fontkit has already parsed, which lets a process parse
// its fonts once; @types/pdfkit does not list that overload yet.
declare global {
  namespace PDFKit.Mixins {
    interface PDFFont {
      registerFont(name: string, src: Font): this;
    }
  }
}

export {};
