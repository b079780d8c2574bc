"""Keras networks for the KerasClassifier tests, at module level so that the
estimators holding them pickle (and a fresh process can import them with
``tests`` on its path). Each imports Keras when called: skdigits selects the
JAX backend before it calls a builder."""


def dense(meta, units=16, activation="softmax"):
    import keras

    n_outputs = meta["n_outputs_"]
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(n_outputs, activation=activation),
        ]
    )


def conv(meta, filters=4):
    """A small 1-D convolutional network over the features, for any width."""
    import keras

    n_features = meta["n_features_in_"]
    inputs = keras.Input((n_features,))
    x = keras.layers.Reshape((n_features, 1))(inputs)
    x = keras.layers.Conv1D(filters, 3, padding="same", activation="relu")(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(meta["n_outputs_"], activation="softmax")(x)
    return keras.Model(inputs, outputs)


def image_conv(meta, filters=8):
    """A 2-D convolutional network for square images, with batch norm and
    dropout (non-trainable state and a seeded layer)."""
    import keras

    side = round(meta["n_features_in_"] ** 0.5)
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Reshape((side, side, 1)),
            keras.layers.Conv2D(filters, 3, padding="same", activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(meta["n_outputs_"]),  # logits
        ]
    )


def binary_unit(meta):
    """One sigmoid unit, for binary targets."""
    import keras

    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def with_custom_layer(meta):
    """A network with a layer of this module's: its name does not fix its code."""
    import keras

    class Scale(keras.layers.Layer):
        def call(self, x):
            return 2.0 * x

    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            Scale(),
            keras.layers.Dense(meta["n_outputs_"], activation="softmax"),
        ]
    )


def with_lambda(meta):
    """A network with a Lambda layer: its configuration does not fix its code."""
    import keras

    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Lambda(lambda x: 2.0 * x),
            keras.layers.Dense(meta["n_outputs_"], activation="softmax"),
        ]
    )
