"""`--graph PATH` and `--profile [N]` of the MNIST example: look inside one training step instead of training.

--graph draws the model's training graph for one batch (node output shapes and dtypes, bytes saved for
backward, backward time per node) to PATH (.svg or .png; Graphviz's dot if installed, else matplotlib).
--profile runs N training steps under the profiler and prints torch's table of forward and backward ops."""
import autograd
from autograd.utils import viz


def draw_graph(path, model, loader, loss_fn):
    images, labels = next(iter(loader))
    loss_fn(model(images), labels).backward()   # a warm-up step: first calls pay one-time costs
    model.zero_grad()
    with viz.record_shapes():
        loss = loss_fn(model(images), labels)
    with autograd.autograd.profiler.profile() as prof:
        loss.backward(retain_graph=True)
    written = viz.draw(loss, path, params=dict(model.named_parameters()), show_shapes=True, show_memory=True,
                       profile=prof)
    print(f"wrote the training graph of one batch ({len(labels)} images) to {written}")
    return written


def profile_steps(steps, model, optimizer, loader, loss_fn, row_limit=15):
    batches = iter(loader)
    with autograd.autograd.profiler.profile(profile_memory=True) as prof:
        for _ in range(steps):
            images, labels = next(batches)
            with autograd.autograd.profiler.record_function('train_step'):
                loss = loss_fn(model(images), labels)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    table = prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=row_limit)
    print(f"profile of {steps} training steps (batch {len(labels)}):")
    print(table)
    return prof
