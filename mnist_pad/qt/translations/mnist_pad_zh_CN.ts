<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>About</name>
    <message>
        <source>not installed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> ({0:.2%} on MNIST test)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Draw digits, watch a convolutional network read them, and teach it your handwriting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model in use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Versions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Licences</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The MNIST database of handwritten digits: Yann LeCun, Corinna Cortes and Christopher J. C. Burges, made from NIST&apos;s Special Databases 1 and 3; used under CC BY-SA 3.0. Fashion-MNIST: Zalando Research, MIT licence. The shipped models were trained on MNIST.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pad</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Draw a digit with the mouse or a pen. The answer, the ten probabilities, the 28x28 image the network receives, where the evidence is (Grad-CAM), the feature maps and the filters follow every stroke. A digit key keeps the drawing as a sample for fine-tuning.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Train</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Draw and label samples of your handwriting, then fine-tune the model on them (MNIST is mixed in so that it keeps what it knew), or train a model from scratch. Pick, rename or delete models at the top right.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Evaluate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Measure a model on MNIST, Fashion-MNIST or your samples: accuracy, a confusion matrix whose cells open their images, the most confident mistakes, a comparison of two models, and the training images nearest to your drawing.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How to use mnist-pad</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keys</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The data folder (for fine-tuning and evaluation) is chosen in the Train tab with Browse...; without one, mnist-pad offers to download MNIST.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Canvas</name>
    <message>
        <source>Draw a digit. Ctrl+Z: undo the last stroke, Esc: clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>draw a digit here</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DataPrompt</name>
    <message>
        <source>The data folder {folder} does not hold the {name} files. Choose the right folder with Browse..., or empty the Data field to use the usual place.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The {name} images are not on this computer yet. Choose the folder that holds them with Browse..., or let mnist-pad download them (about {mb} MB).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data needed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose folder...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder with the {name} files</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Gallery</name>
    <message>
        <source>Open in the canvas</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Relabel as</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export...</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Pad</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Train</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Evaluate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kept as a sample of {0}: {1} samples for fine-tuning in the Train tab.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open image...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open model...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recent models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recent drawings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save drawing as PNG...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import samples...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export samples...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revert to the start model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Theme</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Light</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dark</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About mnist-pad</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Qt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none yet: models you open appear here)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0}. kept as {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{0}. drawing ({1} strokes)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none yet: drawings you clear appear here)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open an image of a digit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open the image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opened {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing to save: the pad is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the drawing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot save the drawing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved the drawing to {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The new language is used from the next start of mnist-pad.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>mnist-pad help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>model: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> ({0:.2f}% on MNIST test)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>inference: {0}, {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit mnist-pad?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A job (training, fine-tuning or an evaluation) is running. Quitting stops it, and nothing it was doing is saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop and quit</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PadTab</name>
    <message>
        <source>pen width ([ and ])</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>undo the last stroke (Ctrl+Z)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>clear the canvas (Esc)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What the network receives (28x28)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why: where the evidence is</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Feature maps</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keys &amp;&amp; model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo stroke</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep as a sample of</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kept as a sample of {0} for fine-tuning. Draw the next one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>draw a digit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unsure (maybe {0}, {1:.0%})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>it&apos;s a {0}  ({1:.0%})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the pad says it is unsure when the top probability is under {0:.0%}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
