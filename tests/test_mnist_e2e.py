"""The MNIST training example end to end: accuracy on real data, resume, checkpoint round trip, offline error.

Needs the real MNIST files in $AUTOGRAD_DATA_DIR/mnist (the tests that read them skip otherwise)."""
import json
import os
from urllib.error import URLError

import numpy as np
import pytest
import torch

import autograd
import autograd.nn as nn
from autograd.examples import mnist
from autograd.examples.models import build
from autograd.vision import datasets
from tolerance import tolerance

try:   # BLAS threads spinning on a shared 2-core machine make an epoch 10x slower; one thread is steady
    from threadpoolctl import threadpool_limits
except ImportError:
    threadpool_limits = None


def _has(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


@pytest.fixture(autouse=True)
def one_blas_thread():
    if threadpool_limits is None:
        yield
        return
    with threadpool_limits(limits=1, user_api='blas'):
        yield


def train(data_dir, out, *extra):
    return mnist.main(['--model', 'mlp', '--data', data_dir, '--out', str(out), *extra])


def test_mlp_one_epoch_on_10000_images_reaches_90_percent(data_dir, tmp_path):
    summary = train(data_dir, tmp_path, '--limit', '10000', '--epochs', '1')
    assert summary['final_test_accuracy'] >= 0.90
    assert summary['epochs'] == 1 and summary['peak_rss_mib'] > 0 and len(summary['seconds_per_epoch']) == 1
    assert json.loads((tmp_path / 'summary.json').read_text())['final_test_accuracy'] == summary['final_test_accuracy']
    assert (tmp_path / 'curves.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert sorted(os.listdir(tmp_path)) == ['checkpoint.pt', 'curves.png', 'summary.json']   # no temporary files


def test_resume_continues_history_and_matches_an_uninterrupted_run(data_dir, tmp_path):
    options = ('--limit', '2000', '--batch-size', '100', '--optimizer', 'sgd')
    straight = train(data_dir, tmp_path / 'straight', *options, '--epochs', '2')['history']
    first = train(data_dir, tmp_path / 'split', *options, '--epochs', '1')['history']
    resumed = train(data_dir, tmp_path / 'split', *options, '--epochs', '2',
                    '--resume', str(tmp_path / 'split' / 'checkpoint.pt'))['history']
    assert resumed['epoch'] == [1, 2] and autograd.load(tmp_path / 'split' / 'checkpoint.pt')['epoch'] == 2
    assert resumed['test_accuracy'][:1] == first['test_accuracy']
    # same shuffling (saved generator state) and momentum buffers: epoch 2 is the uninterrupted run's epoch 2
    for key in ('train_loss', 'test_loss', 'test_accuracy'):
        np.testing.assert_allclose(resumed[key], straight[key], err_msg=key, **tolerance(np.float32))


def test_checkpoint_round_trip(data_dir, tmp_path):
    onnx_path = tmp_path / 'model.onnx'
    summary = train(data_dir, tmp_path, '--limit', '1000', '--epochs', '1', '--optimizer', 'adam',
                    *(['--export-onnx', str(onnx_path)] if _has('onnx') else []))
    state = autograd.load(tmp_path / 'checkpoint.pt')
    fresh = build('mlp', nn)
    fresh.load_state_dict(state['model'])
    split = datasets.MNIST(data_dir, train=False)
    test_x, test_y = mnist.as_tensors(split, 0.1307, 0.3081, 'cpu')
    assert mnist.evaluate(fresh, test_x, test_y) == (summary['final_test_loss'], summary['final_test_accuracy'])
    # the same weights in torch's model give torch's logits: the checkpoint holds the model, not a lookalike
    reference = build('mlp', torch.nn)   # torch reads the trainer's checkpoint itself (weights_only=True)
    reference.load_state_dict(torch.load(tmp_path / 'checkpoint.pt', weights_only=True)['model'])
    with autograd.no_grad(), torch.no_grad():
        ours = fresh(test_x[:256]).array
        theirs = reference(torch.from_numpy(np.array(test_x[:256].array))).numpy()
    assert ours.dtype == np.float32 and np.allclose(ours, theirs, **tolerance(np.float32, 5))
    if _has('onnx') and _has('onnxruntime'):   # --export-onnx wrote the trained model; onnxruntime agrees
        import onnxruntime
        exported, = onnxruntime.InferenceSession(str(onnx_path)).run(None, {'input': test_x[:256].numpy()})
        assert np.allclose(exported, ours, **tolerance(np.float32, 5))
    optimizer = autograd.optim.Adam(fresh.parameters(), lr=1e-3)
    optimizer.load_state_dict(state['optimizer'])
    assert optimizer.state_dict()['state'][0]['step'] == len(range(0, 1000, 64))


def test_offline_without_data_stops_with_a_message_and_leaves_no_files(tmp_path, monkeypatch, capsys):
    def offline(*args, **kwargs):
        raise URLError('[Errno -3] Temporary failure in name resolution')
    monkeypatch.setattr(datasets, 'urlopen', offline)
    empty = tmp_path / 'data'
    with pytest.raises(SystemExit) as stop:
        mnist.main(['--model', 'mlp', '--data', str(empty), '--out', str(tmp_path / 'out')])
    assert stop.value.code == 2
    message = capsys.readouterr().err
    assert message.startswith('error: MNIST data not found') and 'Traceback' not in message
    assert str(empty / 'mnist') in message.replace('\n', ' ') and '--data' in message
    assert 'name resolution' in message.replace('\n', ' ')
    assert list(tmp_path.iterdir()) == []   # neither the data folder nor the run folder was left behind


def test_unknown_resume_file_is_a_clear_error(data_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        train(data_dir, tmp_path, '--limit', '100', '--resume', str(tmp_path / 'missing.pt'))
    assert stop.value.code == 2 and 'missing.pt' in capsys.readouterr().err
