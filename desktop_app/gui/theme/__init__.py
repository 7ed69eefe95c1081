"""How the window looks and speaks: the colour scheme it follows (``scheme``), the colours
custom-painted parts read from the palette (``colours``), the bundled icons drawn in
those colours (``icons``), and the language with Qt's own translations (``language``)."""
