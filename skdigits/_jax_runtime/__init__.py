"""JAX and Keras at run time: how skdigits imports and configures them.

- `keras`: importing JAX and Keras (the JAX backend, whatever
  ``~/.keras/keras.json`` names, unless ``KERAS_BACKEND`` is set), and the
  configuration of a Keras optimizer;
- `compilation_cache`: JAX's persistent compilation cache, on by default;
- `program_cache`: skdigits' own cache of exported epoch and inference
  programs, which a new process loads without importing Keras;
- `xla_threads`: keeping XLA's CPU threads within ``OMP_NUM_THREADS``;
- `precision`: computing in 64 bits for ``dtype="float64"``.

Nothing here imports JAX or Keras at import time.
"""
