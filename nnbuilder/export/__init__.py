"""Taking a trained model out of nnbuilder: run recipes, ONNX, training scripts."""
