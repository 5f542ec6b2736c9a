use zkpay_circuit::bellman_ce::pairing::ff::{PrimeField, PrimeFieldRepr};
use zkpay_circuit::block::witness::BlockWitness;
use zkpay_circuit::block::BlockCircuit;
use zkpay_core::vectors::vector_blocks;
use zkpay_fastprove::assignment::Assignment;

#[test]
fn hist() {
    let (blocks, _) = vector_blocks();
    let witness = BlockWitness::from_block(&blocks[2]).unwrap();
    let w = Assignment::synthesize(BlockCircuit::new(witness)).unwrap();
    let mut h = [0usize; 9];
    for v in &w.aux {
        let mut neg = *v;
        zkpay_circuit::bellman_ce::pairing::ff::Field::negate(&mut neg);
        let bits = (v.into_repr().num_bits()).min(neg.into_repr().num_bits()) as usize;
        let b = match bits {
            0 => 0,
            1 => 1,
            2..=8 => 2,
            9..=16 => 3,
            17..=32 => 4,
            33..=64 => 5,
            65..=128 => 6,
            129..=250 => 7,
            _ => 8,
        };
        h[b] += 1;
    }
    eprintln!("aux {} hist [0,1,<=8,<=16,<=32,<=64,<=128,<=250,>250] {:?}", w.aux.len(), h);
}
